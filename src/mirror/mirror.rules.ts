import type { DagAttributes, DagRun, ImportErrorInfo } from '../airflow/airflow.types.js';
import { perDagValue, type PerDag } from '../config/config.parsers.js';

/*
 * The rules of the verdicts that change with time alone or with Airflow's state rather than with a
 * run: overdue, running long, and which import error is a DAG's. The mirror uses them to move a
 * DAG's revision when one flips, DagStatusService to judge; one definition for both.
 */

/** Successful runs (of the ones the mirror keeps) needed before a DAG's usual duration is known. */
export const MIN_USUAL_RUNS = 3;
/** The usual duration: this percentile (nearest rank) of the recent successes' durations. */
const USUAL_PERCENTILE = 0.9;
/**
 * However short a DAG's usual duration, a run is long only past this much more: a busy scheduler,
 * executor or machine adds that much to any run, and a one-minute DAG taking two is no alarm.
 */
export const RUNNING_LONG_MARGIN_MS = 60_000;

/**
 * Whether the DAG runs on a time schedule alone, as Airflow's schedule summary says: not unscheduled
 * (no summary, `None`), not triggered by assets (`Asset`, `Asset or …`, `Partitioned Asset`; Airflow 2's
 * `Dataset`), not continuous (its next run is due whenever the current one ends). Only such a DAG can be overdue.
 */
export function isTimeScheduled(schedule: string | null): boolean {
  if (schedule === null) return false;
  const summary = schedule.trim().toLowerCase();
  return summary !== '' && summary !== 'none' && summary !== '@continuous' && !/\b(asset|dataset)s?\b/.test(summary);
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
