import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorDto } from '../http/error.dto.js';
import type { DagRun } from '../airflow/airflow.types.js';
import { successEnd, type DagHistory, type DagStatus } from '../mirror/mirror.types.js';
import { NOT_SUCCESS_REASONS, type StatusVerdict } from './dag-status.types.js';

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

/** The newest run in a final state (success or failed). */
export class LastFinishedDto {
  @ApiProperty()
  run_id!: string;

  @ApiProperty({ enum: ['success', 'failed'] })
  state!: string;

  @ApiProperty({ type: String, nullable: true })
  end_date!: string | null;
}

/** A task of a failed run that failed (or could not run because one upstream failed). */
export class FailedTaskDto {
  @ApiProperty({ example: 'train' })
  task_id!: string;

  @ApiProperty({ enum: ['failed', 'upstream_failed'] })
  state!: string;

  @ApiProperty({ description: "The task's log in the Airflow UI" })
  log_url!: string;
}

/** Why Airflow could not be read for this DAG, and since when. */
export class AirflowFaultDto {
  @ApiProperty({ example: 'airflow_unreachable' })
  reason!: string;

  @ApiProperty()
  message!: string;

  @ApiProperty({ description: 'When the service first failed to read Airflow in this outage' })
  since!: string;
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

  @ApiProperty({ type: LastFinishedDto, nullable: true, description: 'The newest run in a final state (success or failed); null if none' })
  last_finished!: LastFinishedDto | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-28T21:40:10Z',
    description: 'When the newest successful run ended; null if the DAG never succeeded',
  })
  last_success_at!: string | null;

  @ApiProperty({
    type: [FailedTaskDto],
    description: 'When the last finished run failed: its tasks in state failed or upstream_failed, each with a link to its log; else []',
  })
  failed_tasks!: FailedTaskDto[];

  @ApiProperty({
    type: Boolean,
    nullable: true,
    description: 'True when the last success ended longer ago than MAX_SUCCESS_AGE (or there is none); null when no limit is set',
  })
  stale!: boolean | null;

  static from(status: DagStatus): DagStatusDto {
    const run = status.run;
    const history: DagHistory = status.history ?? { lastFinished: null, lastSuccess: null, failedTasks: [] };
    const finished = history.lastFinished;
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
      last_finished: finished === null ? null : { run_id: finished.runId, state: finished.state, end_date: finished.endDate },
      last_success_at: successEnd(history.lastSuccess),
      failed_tasks: history.failedTasks.map((task) => ({ task_id: task.taskId, state: task.state, log_url: task.logUrl })),
      stale: status.stale ?? null,
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

/** The verdict on a DAG, as JSON: the status fields, then what they mean for people. */
export class StatusVerdictDto extends DagStatusDto {
  @ApiProperty({
    enum: ['success', 'failure'],
    description: 'The verdict, by VERDICT_BASIS, MAX_SUCCESS_AGE and what keeps the DAG from running (README: "Silent failures")',
  })
  outcome!: 'success' | 'failure';

  @ApiProperty({
    type: String,
    nullable: true,
    enum: [...NOT_SUCCESS_REASONS],
    description: 'Why the outcome is not a success; null on success',
  })
  reason!: string | null;

  @ApiProperty({ example: 'The latest run succeeded.' })
  explanation!: string;

  @ApiProperty({
    example: 'http://localhost:8080/dags/Airflow_Lab2/runs/manual__2026-11-28T21:40:03+00:00',
    description: 'The DAG (or its latest run) in the Airflow UI',
  })
  airflow_url!: string;

  @ApiProperty({
    type: AirflowFaultDto,
    nullable: true,
    description: 'Set while Airflow cannot be read; the status fields are then the last state seen (fetched_at: when), all null if none',
  })
  airflow_error!: AirflowFaultDto | null;

  static fromVerdict(verdict: StatusVerdict): StatusVerdictDto {
    return {
      ...DagStatusDto.from({
        dagId: verdict.dagId,
        run: verdict.run,
        fetchedAt: verdict.fetchedAt,
        history: verdict.history,
        stale: verdict.stale,
      }),
      outcome: verdict.outcome,
      reason: verdict.reason,
      explanation: verdict.explanation,
      airflow_url: verdict.airflowUrl,
      airflow_error: verdict.airflowError,
    };
  }
}

/** The status route's error while Airflow cannot be read: the one error shape, and the last status seen. */
export class StatusUnavailableDto extends ErrorDto {
  @ApiPropertyOptional({
    type: DagStatusDto,
    description: 'The last status the service did see (its fetched_at says when); absent if it never saw one',
  })
  last_known?: DagStatusDto;
}
