import { DAY, HOUR, MINUTE } from '../common/time-format.js';
import { ApiProperty } from '@nestjs/swagger';
import { FailedTaskDto } from '../dag-status/dag-status.dto.js';
import type { FailureFigure, ObjectiveFigures, Reliability, WindowFigures } from './reliability.types.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
/** A ratio rounded to 4 decimals (0.9917): enough for "99.17 %", without float noise. */
const ratio = (value: number | null): number | null => (value === null ? null : Math.round(value * 10_000) / 10_000);

class RunCountsDto {
  @ApiProperty({ description: 'Runs that ended, success or failed (backfills left out)' })
  finished!: number;
  @ApiProperty()
  succeeded!: number;
  @ApiProperty()
  failed!: number;
  @ApiProperty({ description: 'Queued or running: counted once they end' })
  unfinished!: number;
  @ApiProperty({ description: 'Backfill runs in the window, left out of every figure' })
  backfills!: number;
}

class OnTimeDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.95,
    description: 'on_time / due; null without a due run or with OVERDUE_GRACE off',
  })
  ratio!: number | null;
  @ApiProperty({ description: 'Scheduled runs that started within OVERDUE_GRACE of their due time and succeeded' })
  on_time!: number;
  @ApiProperty({ description: 'Scheduled runs due whose outcome is decided, missed ones included' })
  due!: number;
  @ApiProperty({ description: 'Scheduled runs that never came, inferred from the schedule\'s period (README "Reliability")' })
  missed!: number;
}

class RecoveryDto {
  @ApiProperty({ description: 'Outages (a failure until the next success) that ended in the window' })
  count!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Median time to recovery, seconds' })
  median_seconds!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Longest time to recovery, seconds' })
  max_seconds!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'When the current outage began (its first failed run ended); null when not failing',
  })
  failing_since!: string | null;
}

class DurationDto {
  @ApiProperty({ description: 'Successful runs measured' })
  count!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Median duration of successful runs, seconds (nearest rank)' })
  median_seconds!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '95th percentile, seconds (nearest rank)' })
  p95_seconds!: number | null;
}

class FailureDto {
  @ApiProperty()
  run_id!: string;
  @ApiProperty({ description: 'When it failed: its end (else its start, else when it was due)' })
  failed_at!: string;
  @ApiProperty({ type: [FailedTaskDto], nullable: true, description: 'Its failed tasks with log links; null while not looked up' })
  failed_tasks!: FailedTaskDto[] | null;

  static from(failure: FailureFigure): FailureDto {
    return {
      run_id: failure.runId,
      failed_at: iso(failure.at)!,
      failed_tasks: failure.failedTasks?.map((task) => ({ task_id: task.taskId, state: task.state, log_url: task.logUrl })) ?? null,
    };
  }
}

class WindowDto {
  @ApiProperty({ example: '30d', description: 'The window (RELIABILITY_WINDOWS), an exact UTC duration ending now' })
  window!: string;
  @ApiProperty({ description: 'Its start' })
  from!: string;
  @ApiProperty({ description: 'Whether the mirror holds every run of the window (false while it reads them the first time)' })
  complete!: boolean;
  @ApiProperty({ type: String, nullable: true, description: "The DAG's first run when it is younger than the window" })
  first_run_at!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.9917, description: 'Successful finished runs / finished runs' })
  success_ratio!: number | null;
  @ApiProperty({ type: RunCountsDto })
  runs!: RunCountsDto;
  @ApiProperty({ type: OnTimeDto })
  on_time!: OnTimeDto;
  @ApiProperty({ type: RecoveryDto })
  recovery!: RecoveryDto;
  @ApiProperty({ type: DurationDto })
  duration!: DurationDto;
  @ApiProperty({ description: 'Failed runs in the window' })
  failure_count!: number;
  @ApiProperty({ type: [FailureDto], description: 'The newest 20, newest first' })
  failures!: FailureDto[];

  static from(figures: WindowFigures): WindowDto {
    const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));
    return {
      window: windowName(figures.windowMs),
      from: iso(figures.from)!,
      complete: figures.complete,
      first_run_at: iso(figures.firstRunAt),
      success_ratio: ratio(figures.successRatio),
      runs: { ...figures.runs },
      on_time: {
        ratio: ratio(figures.onTime.ratio),
        on_time: figures.onTime.onTime,
        due: figures.onTime.due,
        missed: figures.onTime.missed,
      },
      recovery: {
        count: figures.recovery.count,
        median_seconds: seconds(figures.recovery.medianMs),
        max_seconds: seconds(figures.recovery.maxMs),
        failing_since: iso(figures.recovery.failingSince),
      },
      duration: {
        count: figures.duration.count,
        median_seconds: seconds(figures.duration.medianMs),
        p95_seconds: seconds(figures.duration.p95Ms),
      },
      failure_count: figures.failures.count,
      failures: figures.failures.listed.map((failure) => FailureDto.from(failure)),
    };
  }
}

class TrendDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Median duration of successes in the last 7 days, seconds' })
  recent_median_seconds!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The same over the 30 days before them (as far as the mirror keeps), seconds' })
  before_median_seconds!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.12,
    description: 'recent / before − 1 (0.12: 12 % slower); null with fewer than 3 successes on a side',
  })
  change!: number | null;
}

class BurnDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Burn rate over the long lookback (window / 30)' })
  long!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Burn rate over the short lookback (window / 360, or the newest event)' })
  short!: number | null;
}

class ObjectiveDto {
  @ApiProperty({ enum: ['success', 'on_time'] })
  metric!: string;
  @ApiProperty({ example: 0.99 })
  target!: number;
  @ApiProperty({ example: '30d' })
  window!: string;
  @ApiProperty({ description: 'Good events in the window' })
  good!: number;
  @ApiProperty({ description: 'Events in the window' })
  total!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.4,
    description: 'Share of the error budget left (below 0: overspent); null without an event',
  })
  budget_left!: number | null;
  @ApiProperty({ type: BurnDto })
  burn_rate!: BurnDto;
  @ApiProperty({ description: 'Both burn rates at or above 14.4: the verdict reason budget_burn' })
  fast_burn!: boolean;

  static from(objective: ObjectiveFigures): ObjectiveDto {
    return {
      metric: objective.metric,
      target: objective.target,
      window: windowName(objective.windowMs),
      good: objective.good,
      total: objective.total,
      budget_left: ratio(objective.budgetLeft),
      burn_rate: { long: ratio(objective.burn.long), short: ratio(objective.burn.short) },
      fast_burn: objective.fastBurn,
    };
  }
}

/** How reliable a DAG is over each window (README "Reliability"). */
export class ReliabilityDto {
  @ApiProperty({ example: 'Airflow_Lab2' })
  dag_id!: string;
  @ApiProperty({ description: 'When the figures were computed' })
  computed_at!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: "The schedule's period missed runs are inferred with, seconds; null when unknown",
  })
  period_seconds!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['schedule', 'runs'],
    description: "Where the period came from: Airflow's schedule summary, or the runs' usual gap",
  })
  period_source!: string | null;
  @ApiProperty({ type: [WindowDto] })
  windows!: WindowDto[];
  @ApiProperty({ type: TrendDto })
  trend!: TrendDto;
  @ApiProperty({ type: [ObjectiveDto], description: "The DAG's objectives (RELIABILITY_OBJECTIVE); [] when none" })
  objectives!: ObjectiveDto[];

  static from(figures: Reliability): ReliabilityDto {
    const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));
    return {
      dag_id: figures.dagId,
      computed_at: iso(figures.at)!,
      period_seconds: seconds(figures.period.ms),
      period_source: figures.period.source,
      windows: figures.windows.map((window) => WindowDto.from(window)),
      trend: {
        recent_median_seconds: seconds(figures.trend.recentMedianMs),
        before_median_seconds: seconds(figures.trend.beforeMedianMs),
        change: ratio(figures.trend.change),
      },
      objectives: figures.objectives.map((objective) => ObjectiveDto.from(objective)),
    };
  }
}

/** A window as RELIABILITY_WINDOWS writes it: 30d, 36h, 90m. */
export function windowName(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  return `${ms / MINUTE}m`;
}
