import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiQuery } from '@nestjs/swagger';
import { StatusVerdictDto } from '../dag-status/dag-status.dto.js';
import { NOT_SUCCESS_REASONS, type DagOverview } from '../dag-status/dag-status.types.js';
import { CURSOR_PATTERN } from './overview.cursor.js';
import { OUTCOMES, OVERVIEW_LIMIT_MAX, OVERVIEW_TEXT_MAX, RUN_STATE_FILTERS } from './overview.types.js';

const countsOf = (keys: readonly string[]) => ({
  type: 'object' as const,
  properties: Object.fromEntries(keys.map((key) => [key, { type: 'integer' as const, minimum: 0 }])),
  required: [...keys],
});

/** One run of the strip of recent runs. */
export class RunBriefDto {
  @ApiProperty()
  run_id!: string;

  @ApiProperty()
  state!: string;

  @ApiProperty({ type: String, nullable: true })
  start_date!: string | null;

  @ApiProperty({ type: String, nullable: true })
  end_date!: string | null;
}

/**
 * Everything about one allowed DAG, for the overview and the events: the verdict, the last runs
 * and the tags. While Airflow cannot be read (`airflow_error` set) the status fields hold the last
 * state the service did see, `fetched_at` saying when it saw it (all null if it never did).
 */
export class DagOverviewDto extends StatusVerdictDto {
  @ApiProperty({ type: [RunBriefDto], description: 'The last runs, newest first (at most 10)' })
  recent_runs!: RunBriefDto[];

  @ApiProperty({ type: [String], description: "The DAG's Airflow tags, from Airflow's DAG list ([] until it has been read)" })
  tags!: string[];

  static fromOverview(overview: DagOverview): DagOverviewDto {
    return {
      ...StatusVerdictDto.fromVerdict(overview),
      recent_runs: overview.recentRuns.map((run) => ({
        run_id: run.runId,
        state: run.state,
        start_date: run.startDate,
        end_date: run.endDate,
      })),
      tags: [...overview.tags],
    };
  }
}

class OutcomeCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0 })
  success!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  failure!: number;
}

/** How many DAGs of the whole set hold each verdict, state and reason: a dashboard's header. */
export class OverviewCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Every DAG' })
  all!: number;

  @ApiProperty({ type: OutcomeCountsDto })
  outcome!: OutcomeCountsDto;

  @ApiProperty({
    ...countsOf(RUN_STATE_FILTERS),
    additionalProperties: { type: 'integer' as const, minimum: 1 },
    description: "By the latest run's state (none: no run); any other state Airflow reports gets a key of its own",
  })
  state!: Record<string, number>;

  @ApiProperty({ ...countsOf(NOT_SUCCESS_REASONS), description: 'By the reason a DAG is not a success' })
  reason!: Record<string, number>;
}

/** `GET /api/dags`: every allowed DAG in the order of ALLOWED_DAG_IDS, or the page a query asks for. */
export class OverviewDto {
  @ApiProperty({
    type: [DagOverviewDto],
    description:
      'Without a query parameter: one entry per DAG of ALLOWED_DAG_IDS, in its order. With one: the DAGs that match, in the same order, at most `limit`. An Airflow fault for a DAG is in its entry (airflow_error)',
  })
  dags!: DagOverviewDto[];

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'With a query parameter: how many DAGs match it, on every page' })
  total?: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    pattern: CURSOR_PATTERN,
    description: 'With a query parameter: the `cursor` of the next page (same filters), null on the last one',
  })
  next?: string | null;

  @ApiPropertyOptional({ type: OverviewCountsDto, description: 'With a query parameter: the counts of every DAG, whatever the filters' })
  counts?: OverviewCountsDto;
}

const repeatable = (values: readonly string[]) => ({ type: 'array' as const, items: { type: 'string' as const, enum: [...values] } });

/** The query parameters of `/api/dags` and `/dags`, as OverviewQueryPipe reads them. */
export function ApiOverviewQuery(): MethodDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'limit',
      required: false,
      description: `At most this many DAGs (1 to ${OVERVIEW_LIMIT_MAX}); absent: every one that matches`,
      schema: { type: 'integer', minimum: 1, maximum: OVERVIEW_LIMIT_MAX },
    }),
    ApiQuery({
      name: 'cursor',
      required: false,
      description: 'Where the page starts: the `next` of the previous answer (opaque)',
      schema: { type: 'string', pattern: CURSOR_PATTERN },
    }),
    ApiQuery({
      name: 'outcome',
      required: false,
      description: 'Only DAGs with this verdict; repeatable',
      style: 'form',
      explode: true,
      schema: repeatable(OUTCOMES),
    }),
    ApiQuery({
      name: 'state',
      required: false,
      description: 'Only DAGs whose latest run (the last seen while Airflow cannot be read) is in this state; none: no run. Repeatable',
      style: 'form',
      explode: true,
      schema: repeatable(RUN_STATE_FILTERS),
    }),
    ApiQuery({
      name: 'reason',
      required: false,
      description: 'Only DAGs that are not a success for this reason; repeatable',
      style: 'form',
      explode: true,
      schema: repeatable(NOT_SUCCESS_REASONS),
    }),
    ApiQuery({
      name: 'q',
      required: false,
      description: 'Only DAGs whose id contains this text, in any case',
      schema: { type: 'string', maxLength: OVERVIEW_TEXT_MAX },
    }),
    ApiQuery({
      name: 'tag',
      required: false,
      description: "Only DAGs with this Airflow tag (exactly, as the DAG's tags field lists it); repeatable: any of them",
      style: 'form',
      explode: true,
      schema: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: OVERVIEW_TEXT_MAX } },
    }),
  );
}
