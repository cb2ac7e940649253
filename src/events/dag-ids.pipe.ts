import { Injectable, type PipeTransform } from '@nestjs/common';
import { DagIdPipe } from '../dag-status/dag-id.pipe.js';

/** `?dag_id=` given any number of times (none: undefined), each checked by DagIdPipe, without repeats. */
@Injectable()
export class DagIdsPipe implements PipeTransform<unknown, string[] | undefined> {
  constructor(private readonly dagId: DagIdPipe) {}

  transform(value: unknown): string[] | undefined {
    if (value === undefined) return undefined;
    return [...new Set((Array.isArray(value) ? value : [value]).map((id) => this.dagId.transform(id)))];
  }
}
