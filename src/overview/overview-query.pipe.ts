import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { NOT_SUCCESS_REASONS } from '../dag-status/dag-status.types.js';
import { decodeCursor } from './overview.cursor.js';
import { OUTCOMES, OVERVIEW_LIMIT_MAX, OVERVIEW_TEXT_MAX, RUN_STATE_FILTERS, type OverviewQuery } from './overview.types.js';

/** The query parameters the overview reads; any other is ignored, as before they existed. */
const PARAMS = ['limit', 'cursor', 'outcome', 'state', 'reason', 'q', 'tag'] as const;
/** At most this many `tag`s in one query. */
const TAGS_MAX = 50;

type Params = Record<string, unknown>;

/** A parameter that may be given once: its value, or undefined when absent. */
function single(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new BadRequestException(`${name} must be given once`);
}

/** A repeatable parameter whose values come from `allowed`. */
function many<T extends string>(params: Params, name: string, allowed: readonly T[]): T[] {
  const value = params[name];
  if (value === undefined) return [];
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  if (!values.every((v): v is T => typeof v === 'string' && (allowed as readonly string[]).includes(v))) {
    throw new BadRequestException(`${name} must be one of ${allowed.join(', ')} (repeat it for several)`);
  }
  return [...new Set(values)];
}

/** `?tag=`, repeatable: any text a tag may be (Airflow's tags are free text), of sane length. */
function tagsOf(params: Params): string[] {
  const value = params.tag;
  if (value === undefined) return [];
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  if (
    values.length > TAGS_MAX ||
    !values.every((v): v is string => typeof v === 'string' && v !== '' && [...v].length <= OVERVIEW_TEXT_MAX)
  ) {
    throw new BadRequestException(`tag must be 1 to ${OVERVIEW_TEXT_MAX} characters, at most ${TAGS_MAX} of them`);
  }
  return [...new Set(values)];
}

function limitOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > OVERVIEW_LIMIT_MAX) {
    throw new BadRequestException(`limit must be a whole number from 1 to ${OVERVIEW_LIMIT_MAX}`);
  }
  return Number(text);
}

/**
 * The query of `GET /api/dags` and `GET /dags`: undefined when it holds none of their parameters
 * (the answer keeps its original shape), else the filters and the page asked for. A bad value is a
 * 400 that names the parameter.
 */
@Injectable()
export class OverviewQueryPipe implements PipeTransform<unknown, OverviewQuery | undefined> {
  transform(query: unknown): OverviewQuery | undefined {
    const params = (typeof query === 'object' && query !== null ? query : {}) as Params;
    if (!PARAMS.some((name) => params[name] !== undefined)) return undefined;
    const cursorText = single(params, 'cursor');
    const cursor = cursorText === undefined ? null : decodeCursor(cursorText);
    if (cursor === undefined) throw new BadRequestException('cursor must be the `next` of an earlier answer');
    const text = single(params, 'q') ?? '';
    if ([...text].length > OVERVIEW_TEXT_MAX) throw new BadRequestException(`q must be at most ${OVERVIEW_TEXT_MAX} characters`);
    return {
      limit: limitOf(single(params, 'limit')),
      cursor,
      outcomes: many(params, 'outcome', OUTCOMES),
      states: many(params, 'state', RUN_STATE_FILTERS),
      reasons: many(params, 'reason', NOT_SUCCESS_REASONS),
      text,
      tags: tagsOf(params),
    };
  }
}
