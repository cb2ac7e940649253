import { ApiProperty } from '@nestjs/swagger';
import type { DagRun } from '../airflow/airflow.types.js';
import type { DagStatus, StatusVerdict } from './dag-status.types.js';

/** One DAG run, in Airflow's own field names. */
export class DagRunDto {
  @ApiProperty({ example: 'manual__2026-11-28T21:40:03+00:00' })
  run_id!: string;

  @ApiProperty({ example: 'success', description: "Airflow's run state: queued, running, success or failed" })
  state!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-28T21:40:03Z',
    description: 'Null for a manual Airflow 3 run triggered without a logical date',
  })
  logical_date!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-28T21:40:03Z', description: 'Airflow 3 only; null on Airflow 2' })
  run_after!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-28T21:40:04Z' })
  start_date!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-28T21:40:10Z' })
  end_date!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  note!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'manual' })
  run_type!: string | null;

  static from(run: DagRun): DagRunDto {
    return {
      run_id: run.runId,
      state: run.state,
      logical_date: run.logicalDate,
      run_after: run.runAfter,
      start_date: run.startDate,
      end_date: run.endDate,
      note: run.note,
      run_type: run.runType,
    };
  }
}

export class DagStatusDto {
  @ApiProperty({ example: 'Airflow_Lab2' })
  dag_id!: string;

  @ApiProperty({ type: String, nullable: true, example: 'success', description: "The latest run's state; null when the DAG has no run" })
  state!: string | null;

  @ApiProperty({ type: String, nullable: true })
  run_id!: string | null;

  @ApiProperty({ type: String, nullable: true })
  logical_date!: string | null;

  @ApiProperty({ type: String, nullable: true })
  run_after!: string | null;

  @ApiProperty({ type: String, nullable: true })
  start_date!: string | null;

  @ApiProperty({ type: String, nullable: true })
  end_date!: string | null;

  @ApiProperty({ type: String, nullable: true })
  note!: string | null;

  @ApiProperty({ example: '2026-11-28T21:41:00.000Z', description: 'When Airflow was asked (answers are cached for STATUS_CACHE_TTL_MS)' })
  fetched_at!: string;

  static from(status: DagStatus): DagStatusDto {
    const run = status.run;
    return {
      dag_id: status.dagId,
      state: run?.state ?? null,
      run_id: run?.runId ?? null,
      logical_date: run?.logicalDate ?? null,
      run_after: run?.runAfter ?? null,
      start_date: run?.startDate ?? null,
      end_date: run?.endDate ?? null,
      note: run?.note ?? null,
      fetched_at: status.fetchedAt,
    };
  }
}

export class DagRunsDto {
  @ApiProperty({ example: 'Airflow_Lab2' })
  dag_id!: string;

  @ApiProperty({ type: [DagRunDto], description: 'Newest first' })
  runs!: DagRunDto[];

  @ApiProperty({ example: '2026-11-28T21:41:00.000Z' })
  fetched_at!: string;
}

/** The verdict behind /, /success and /failure, as JSON. */
export class StatusVerdictDto extends DagStatusDto {
  @ApiProperty({ enum: ['success', 'failure'] })
  outcome!: 'success' | 'failure';

  @ApiProperty({
    type: String,
    nullable: true,
    enum: [
      'no_run',
      'queued',
      'running',
      'failed',
      'other_state',
      'airflow_unreachable',
      'airflow_timeout',
      'airflow_auth_refused',
      'config_mismatch',
      'airflow_bad_response',
      'dag_not_found',
    ],
    description: 'Why the outcome is not a success; null on success',
  })
  reason!: string | null;

  @ApiProperty({ example: 'The latest run succeeded.' })
  explanation!: string;

  @ApiProperty({ example: 'http://localhost:8080/dags/Airflow_Lab2/runs/manual__2026-11-28T21:40:03+00:00' })
  airflow_url!: string;

  static fromVerdict(verdict: StatusVerdict): StatusVerdictDto {
    return {
      ...DagStatusDto.from({ dagId: verdict.dagId, run: verdict.run, fetchedAt: verdict.fetchedAt }),
      outcome: verdict.outcome,
      reason: verdict.reason,
      explanation: verdict.explanation,
      airflow_url: verdict.airflowUrl,
    };
  }
}
