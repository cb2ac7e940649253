import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** A README badge's label is a word or two; longer is a mistake or an abuse of the renderer. */
export const BADGE_LABEL_MAX = 64;

@Injectable()
export class BadgeLabelPipe implements PipeTransform<unknown, string | undefined> {
  transform(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    // Control characters have no place in a label (and some are not allowed in XML at all).
    if (typeof value !== 'string' || value.length === 0 || [...value].length > BADGE_LABEL_MAX || /\p{Cc}/u.test(value)) {
      throw new BadRequestException(`label must be 1 to ${BADGE_LABEL_MAX} printable characters`);
    }
    return value;
  }
}
