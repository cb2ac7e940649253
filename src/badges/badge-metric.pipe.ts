import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { parseDuration } from '../config/config.parsers.js';

/** `?metric=` of a reliability badge: a ratio and a window. */
export interface BadgeMetric {
  readonly metric: 'success' | 'on_time';
  /** The window asked (ms), null when it is no duration: then no window of RELIABILITY_WINDOWS, which the badge says. */
  readonly windowMs: number | null;
  /** As asked, e.g. `success_30d`. */
  readonly name: string;
}

const METRIC = /^(success|on_time)_(\d{1,6}[mhd])$/;

/**
 * `success_30d`, `on_time_7d`, …; absent for the status badge. A window the figures do not cover is not
 * refused here: a README's badge then says so as an image rather than breaking (the renderer's part).
 */
@Injectable()
export class BadgeMetricPipe implements PipeTransform<unknown, BadgeMetric | undefined> {
  transform(value: unknown): BadgeMetric | undefined {
    if (value === undefined) return undefined;
    const match = typeof value === 'string' ? METRIC.exec(value) : null;
    if (match === null) throw new BadRequestException('metric must be success_<window> or on_time_<window>, e.g. success_30d');
    return { metric: match[1] as BadgeMetric['metric'], windowMs: parseDuration(match[2]) ?? null, name: match[0] };
  }
}
