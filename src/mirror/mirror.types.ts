import type { AirflowError } from '../airflow/airflow.errors.js';
import type { AirflowHealth, DagAttributes, DagRun, ImportErrorInfo } from '../airflow/airflow.types.js';
import { perDagValue, type PerDag } from '../config/config.parsers.js';
import { maxSuccessAgeOf, type MaxSuccessAge } from '../config/dag-status.config.js';

/** A task of a finished run that failed, or could not run because an upstream task failed. */
export interface FailedTask {
  taskId: string;
  state: string;
  /** Its log in the Airflow UI. */
  logUrl: string;
}

/** What the mirror knows of a DAG beyond its latest run. */
export interface DagHistory {
  /** The newest run in a final state (success or failed). */
  lastFinished: DagRun | null;
  /** The newest successful run. */
  lastSuccess: DagRun | null;
  /** When `lastFinished` failed: its failed tasks (empty while they could not be read). */
  failedTasks: readonly FailedTask[];
}

/** The latest run of a DAG as the mirror last saw it. */
export interface DagStatus {
  dagId: string;
  run: DagRun | null;
  /** When Airflow was last read for it (ISO 8601): the last sync that succeeded. */
  fetchedAt: string;
  /** Absent where only the latest run is known. */
  history?: DagHistory;
  /** Whether the last success is older than MAX_SUCCESS_AGE, at `fetchedAt`; null without a limit. */
  stale?: boolean | null;
}

/**
 * What the service knows about one DAG at one revision of the mirror: its newest runs, or the
 * failure met reading Airflow. Immutable; a change makes a new one with a higher revision.
 */
export interface DagSnapshot {
  readonly dagId: string;
  /**
   * Counts up whenever anything shown of the DAG changes (runs, history, staleness, attributes,
   * the failure met): the one notion of change for events, pages, metrics and caches.
   */
  readonly revision: number;
  /** The newest runs, newest first; null when Airflow could not be read. */
  readonly runs: readonly DagRun[] | null;
  readonly error: AirflowError | null;
  /** The latest run, when Airflow could be read. */
  readonly status: DagStatus | null;
  /** Last finished run, last success and failed tasks, when Airflow could be read. */
  readonly history: DagHistory | null;
  /** Paused, import errors, next run, tags, owners: from Airflow's DAG list, null until read. */
  readonly attributes: DagAttributes | null;
  /** The import error Airflow lists for the DAG's file; null when none (or Airflow's import errors could not be read). */
  readonly importError: ImportErrorInfo | null;
  /** Airflow's scheduler and DAG processor as its health endpoint last said; null until read, or when it could not be. */
  readonly health: AirflowHealth | null;
  /** When Airflow was last read for the DAG (ISO 8601): the last sync, successful or not. */
  readonly fetchedAt: string;
  /** Epoch ms until which the snapshot answers for Airflow: the next sync. */
  readonly expiresAt: number;
  /** While Airflow cannot be read: the last successful snapshot of this DAG, if there was one. */
  readonly lastKnown: DagSnapshot | null;
  /** While Airflow cannot be read: when this outage began. */
  readonly failingSince: string | null;
}

/** One past run of a DAG as the reliability figures read it: its times as epoch ms (null when Airflow gave none). */
export interface PastRun {
  readonly runId: string;
  /** Airflow's run type: scheduled, manual, backfill, asset_triggered (Airflow 2: dataset_triggered); null if unknown. */
  readonly runType: string | null;
  /** Airflow's run state as last seen (a cleared run shows its latest attempt's). */
  readonly state: string;
  /** When it was due: `run_after` (Airflow 3), else `data_interval_end`, else its logical date (Airflow 2). */
  readonly dueAt: number | null;
  readonly logicalAt: number | null;
  readonly startAt: number | null;
  readonly endAt: number | null;
}

/** What the mirror holds of a DAG's past: every run due (or started) since `since`, oldest first. */
export interface DagPast {
  readonly dagId: string;
  /** Oldest first, by dueAt (then logicalAt, then startAt). */
  readonly runs: readonly PastRun[];
  /** Epoch ms from which no run is missing: the longest window's start once read whole; later while the read goes on. */
  readonly since: number;
  /** Whether the whole longest window has been read (false during the first load). */
  readonly complete: boolean;
  /** Counts up whenever `runs` changes: caches of figures key on it. */
  readonly revision: number;
}

/**
 * Runs the mirror keeps per DAG: the strip of recent runs the overview shows, as Airflow's grid does.
 * Fewer held means the DAG has no other run (its feed knows its first finished run).
 */
export const RUNS_KEPT = 10;

/** Run states that end a run: the newest run in one of them is the DAG's "last finished". */
export const FINAL_STATES = ['success', 'failed'] as const;

export function isFinished(run: DagRun): boolean {
  return (FINAL_STATES as readonly string[]).includes(run.state);
}

/**
 * When a successful run ended, as ISO 8601: its end, else its start, else when it was due (Airflow
 * may lack an end date for a run marked success by hand). The one rule for "last success at".
 */
export function successEnd(run: DagRun | null): string | null {
  return run === null ? null : (run.endDate ?? run.startDate ?? run.runAfter ?? run.logicalDate);
}

/** {@link successEnd} as epoch ms, or null. */
export function successTime(run: DagRun | null): number | null {
  const time = Date.parse(successEnd(run) ?? '');
  return Number.isNaN(time) ? null : time;
}

/**
 * Whether the DAG's last success is older than its MAX_SUCCESS_AGE at `now` (no success at all
 * is older than any limit); null when the DAG has no limit.
 */
export function staleAt(limits: MaxSuccessAge, dagId: string, history: DagHistory, now: number): boolean | null {
  const limit = maxSuccessAgeOf(limits, dagId);
  if (limit === null) return null;
  const ended = successTime(history.lastSuccess);
  return ended === null || now - ended > limit;
}

/*
 * The rules of the verdicts (issue 18) that change with time alone or with Airflow's state rather than with a
 * run: overdue, running long, and which import error is a DAG's. The mirror uses them to move a
 * DAG's revision when one flips, DagStatusService to judge; one definition for both.
 */

/** Successful runs (of the ones the mirror keeps) needed before a DAG's usual duration is known. */
const MIN_USUAL_RUNS = 3;
/** The usual duration: this percentile (nearest rank) of the recent successes' durations. */
const USUAL_PERCENTILE = 0.9;
/**
 * However short a DAG's usual duration, a run is long only past this much more: a busy scheduler,
 * executor or machine adds that much to any run, and a one-minute DAG taking two is no alarm.
 */
const RUNNING_LONG_MARGIN_MS = 60_000;

/**
 * Whether the DAG runs on a time schedule alone, as Airflow's schedule summary says: not unscheduled
 * (no summary, `None`), not triggered by assets (`Asset`, `Asset or …`, `Partitioned Asset`; Airflow 2's
 * `Dataset`, `Dataset or …`, `Unresolved DatasetAlias`), not continuous (its next run is due whenever the current one ends). Only such a DAG can be overdue.
 */
export function isTimeScheduled(schedule: string | null): boolean {
  if (schedule === null) return false;
  const summary = schedule.trim().toLowerCase();
  return summary !== '' && summary !== 'none' && summary !== '@continuous' && !/\b(asset|dataset)/.test(summary);
}

/**
 * The time (epoch ms) after which the DAG is overdue: its next scheduled run (Airflow's own next run
 * time) plus its OVERDUE_GRACE, as long as no run has started since it was due; null when it cannot be
 * overdue (no grace, not time-scheduled, no next run known, paused: a paused DAG is not expected to run).
 * A run counts as started when its start (or, still queued, the time it was due) is at or after that time.
 */
export function overdueAfter(
  grace: PerDag<number | null>,
  dagId: string,
  attributes: DagAttributes | null,
  runs: readonly DagRun[],
): number | null {
  const graceMs = perDagValue(grace, dagId);
  if (graceMs === null || attributes === null || attributes.isPaused === true || !isTimeScheduled(attributes.schedule)) return null;
  const due = Date.parse(attributes.nextRunAfter ?? '');
  if (Number.isNaN(due)) return null;
  const startedSince = runs.some((run) => {
    const started = Date.parse(run.startDate ?? run.runAfter ?? '');
    return !Number.isNaN(started) && started >= due;
  });
  return startedSince ? null : due + graceMs;
}

/** When the DAG's current run counts as running long, and from what. */
export interface RunningLong {
  /** The usual duration (ms): the 90th percentile of the kept successful runs' durations. */
  readonly usualMs: number;
  /** Epoch ms after which the current run is long: its start plus the larger of factor × usual and usual + a minute. */
  readonly after: number;
}

/**
 * When the DAG's latest run, while it runs, becomes `running_long`: past RUNNING_LONG_FACTOR times the
 * DAG's usual duration (and at least a minute more than it). Null when it cannot: no running latest
 * run with a start, no factor, or fewer than MIN_USUAL_RUNS successful runs among those kept to know
 * what is usual.
 */
export function runningLongAfter(factors: PerDag<number | null>, dagId: string, runs: readonly DagRun[]): RunningLong | null {
  const factor = perDagValue(factors, dagId);
  const current = runs[0];
  const started = Date.parse(current?.startDate ?? '');
  if (factor === null || current?.state !== 'running' || Number.isNaN(started)) return null;
  const durations = runs
    .filter((run) => run.state === 'success')
    .map((run) => Date.parse(run.endDate ?? '') - Date.parse(run.startDate ?? ''))
    .filter((ms) => ms >= 0)
    .sort((a, b) => a - b);
  if (durations.length < MIN_USUAL_RUNS) return null;
  const usualMs = durations[Math.ceil(USUAL_PERCENTILE * durations.length) - 1];
  return { usualMs, after: started + Math.max(factor * usualMs, usualMs + RUNNING_LONG_MARGIN_MS) };
}

/**
 * Airflow's import errors by file, to find a DAG's: the error listed for its file (Airflow 3: its
 * `relative_fileloc` in its bundle; Airflow 2: its absolute `fileloc`).
 */
export class ImportErrorIndex {
  private readonly byFile = new Map<string, ImportErrorInfo[]>();

  constructor(errors: readonly ImportErrorInfo[]) {
    for (const error of errors) {
      const same = this.byFile.get(error.filename);
      if (same === undefined) this.byFile.set(error.filename, [error]);
      else same.push(error);
    }
  }

  /** The import error of the DAG's file, when one is listed (the same bundle, where both say). */
  of(attributes: DagAttributes | null): ImportErrorInfo | null {
    if (attributes?.fileloc == null) return null;
    const errors = this.byFile.get(attributes.fileloc) ?? [];
    return errors.find((e) => e.bundleName === null || attributes.bundleName === null || e.bundleName === attributes.bundleName) ?? null;
  }
}
