import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

const RUNS_LIMIT_DEFAULT = 10;
/** Airflow pages its run lists; 100 is one page and plenty for a dashboard. */
const RUNS_LIMIT_MAX = 100;

/** `?limit=N`: a whole number from 1 to 100, 10 when absent. */
@Injectable()
export class RunsLimitPipe implements PipeTransform<string | undefined, number> {
  transform(value: string | undefined): number {
    if (value === undefined || value === '') return RUNS_LIMIT_DEFAULT;
    if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > RUNS_LIMIT_MAX) {
      throw new BadRequestException(`limit must be a whole number from 1 to ${RUNS_LIMIT_MAX}`);
    }
    return Number(value);
  }
}
