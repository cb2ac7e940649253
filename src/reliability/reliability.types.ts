import type { ReliabilityObjective } from '../config/reliability.config.js';
import type { FailedTask } from '../mirror/mirror.types.js';

/* The figures of issue 20, as the rules give them (reliability.rules.ts) and the API, pages, badges and metrics show them. */

export interface WindowFigures {
  readonly windowMs: number;
  /** Epoch ms: the window is [from, now), an exact UTC duration (a daylight-saving day is 23 or 25 hours of it, as it was). */
  readonly from: number;
  /** Whether the mirror holds the whole window: false during its first load. */
  readonly complete: boolean;
  /** When the DAG's first kept run is inside the window (a DAG younger than it), that run's time; else null. */
  readonly firstRunAt: number | null;
  readonly runs: {
    readonly finished: number;
    readonly succeeded: number;
    readonly failed: number;
    /** Queued or running: not yet counted. */
    readonly unfinished: number;
    /** Left out of every figure. */
    readonly backfills: number;
  };
  /** succeeded / finished; null without a finished run. */
  readonly successRatio: number | null;
  readonly onTime: {
    /** Scheduled runs that started within the grace of their due time and succeeded. */
    readonly onTime: number;
    /** Scheduled runs due whose outcome is decided, plus missed runs. */
    readonly due: number;
    readonly missed: number;
    /** onTime / due; null without a due run or without a grace (OVERDUE_GRACE off). */
    readonly ratio: number | null;
  };
  readonly recovery: {
    /** Outages that ended in the window (by their recovering success). */
    readonly count: number;
    readonly medianMs: number | null;
    readonly maxMs: number | null;
    /** When the DAG has been failing since (its first failure since its last success), null when it is not. */
    readonly failingSince: number | null;
  };
  readonly duration: {
    readonly count: number;
    readonly medianMs: number | null;
    readonly p95Ms: number | null;
    /** The successes' durations, oldest first, for the page's chart. */
    readonly series: readonly number[];
  };
  readonly failures: {
    readonly count: number;
    /** Newest first, at most FAILURES_LISTED. */
    readonly listed: readonly FailureFigure[];
  };
}

export interface FailureFigure {
  readonly runId: string;
  /** When it failed: its end, else its start, else when it was due. */
  readonly at: number;
  /** Its failed tasks, null while the mirror has not looked them up. */
  readonly failedTasks: readonly FailedTask[] | null;
}

export interface Trend {
  readonly recentMedianMs: number | null;
  readonly beforeMedianMs: number | null;
  /** recent / before − 1 (0.25: a quarter slower); null with fewer than 3 successes on a side. */
  readonly change: number | null;
}

export interface ObjectiveFigures extends ReliabilityObjective {
  readonly good: number;
  readonly total: number;
  /** The share of the window's error budget not yet spent (1: untouched, 0: spent, below 0: overspent); null without an event. */
  readonly budgetLeft: number | null;
  /** Burn rates over the long and short lookbacks; null without an event there. */
  readonly burn: { readonly long: number | null; readonly short: number | null };
  /** Whether the budget burns fast: both rates at or above 14.4 (the fast-burn rate). */
  readonly fastBurn: boolean;
}

export interface Reliability {
  readonly dagId: string;
  readonly at: number;
  readonly revision: number;
  readonly windows: readonly WindowFigures[];
  readonly trend: Trend;
  readonly objectives: readonly ObjectiveFigures[];
  /** The period missed runs are inferred with, and where it came from. */
  readonly period: { readonly ms: number | null; readonly source: 'schedule' | 'runs' | null };
}
