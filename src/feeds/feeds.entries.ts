import type { DagRun } from '../airflow/airflow.types.js';
import { isFinished, RUNS_KEPT, successEnd, type DagSnapshot } from '../mirror/mirror.types.js';
import type { FeedEntry, FeedEntryKind } from './feeds.types.js';

/** What makes an entry's id and link beyond the DAG's own data. */
export interface FeedContext {
  /** The Airflow watched (AIRFLOW_WEBSERVER's host and path): two Airflows' runs of the same ids are different facts. */
  readonly origin: string;
  /** A run's page in the Airflow UI, or the DAG's (runId null). */
  airflowUrl(dagId: string, runId: string | null): string;
}

/** What a DAG's entries are made of: the mirror's snapshot (the last good one while Airflow cannot be read). */
export type DagFacts = Pick<DagSnapshot, 'dagId' | 'runs' | 'history' | 'attributes'> & Partial<Pick<DagSnapshot, 'importError'>>;

/** The every-DAG feed's length: a reader polls it, and 100 entries reach back far enough between two polls. */
export const EVERY_DAG_ENTRIES = 100;

/** The `tag:` URI scheme's authority (RFC 4151): a name of ours and the year it was first used. */
const TAG = 'tag:airflow-status-api,2026:';

/** The Airflow's part of every id, from its base URL: host (with port) and path, never userinfo or query. */
export function feedOrigin(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.host}${url.pathname}`.replace(/\/+$/, '');
}

export function feedId(origin: string, dagId: string | null): string {
  return `${TAG}${origin}/dags${dagId === null ? '' : `/${encodeURIComponent(dagId)}`}`;
}

/** An entry's id: the DAG, the run and what it says of it. Nothing of the process goes in, so a restart makes the same. */
export function entryId(origin: string, dagId: string, runId: string, kind: FeedEntryKind): string {
  return `${feedId(origin, dagId)}/runs/${encodeURIComponent(runId)}/${kind}`;
}

/** When a run ended as RFC 3339 (the mirror's rule: end, else start, else when it was due); null without a date. */
function runTime(run: DagRun): string | null {
  const time = Date.parse(successEnd(run) ?? '');
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/**
 * The DAG's entries, newest first. A finished run whose outcome differs from the finished run
 * before it is `failed` or `recovered`; the DAG's first finished run is `failed` or `succeeded`, but
 * only while the mirror holds every run of the DAG (fewer than it keeps): else the run before it is
 * unknown, and calling the oldest one held "first" would make a new entry at every run. A paused DAG
 * and a DAG whose file does not import each give one entry, anchored on its last finished run
 * (id and time): Airflow tells neither when it began. Without a finished run they give none.
 */
export function dagEntries(facts: DagFacts, context: FeedContext): FeedEntry[] {
  const { dagId, runs, history, attributes } = facts;
  const importError = facts.importError ?? null;
  const entry = (kind: FeedEntryKind, run: DagRun, previous: DagRun | null, file: string | null = null): FeedEntry | null => {
    const updated = runTime(run);
    if (updated === null) return null;
    const failed = kind === 'failed' && history?.lastFinished?.runId === run.runId;
    const condition = isCondition(kind);
    return {
      id: entryId(context.origin, dagId, run.runId, kind),
      dagId,
      kind,
      run,
      previous,
      updated,
      failedTasks: failed ? history.failedTasks : [],
      // A condition is the DAG's, not its run's.
      airflowUrl: context.airflowUrl(dagId, condition ? null : run.runId),
      file,
      error: kind === 'import_error' ? importError?.message || null : null,
    };
  };
  const entries: Array<FeedEntry | null> = [];
  const lastFinished = history?.lastFinished ?? null;
  if (lastFinished !== null && attributes?.isPaused === true) entries.push(entry('paused', lastFinished, null));
  // As the verdict says it: the DAG's flag, or an import error listed for its file.
  if (lastFinished !== null && (attributes?.hasImportErrors === true || importError !== null))
    entries.push(entry('import_error', lastFinished, null, importError?.filename ?? attributes?.fileloc ?? null));
  // Newest first, as the mirror holds them.
  const finished = (runs ?? []).filter(isFinished);
  const whole = (runs ?? []).length < RUNS_KEPT;
  finished.forEach((run, i) => {
    const previous = finished[i + 1] ?? null;
    if (previous === null) {
      if (whole) entries.push(entry(run.state === 'failed' ? 'failed' : 'succeeded', run, null));
    } else if (previous.state !== run.state) {
      entries.push(entry(run.state === 'failed' ? 'failed' : 'recovered', run, previous));
    }
  });
  return entries.filter((e) => e !== null).sort(newestFirst);
}

/** Newest first; at one time, a condition before the run it was seen after, then by id: the same order every time. */
export function newestFirst(a: FeedEntry, b: FeedEntry): number {
  if (a.updated !== b.updated) return a.updated < b.updated ? 1 : -1;
  const rank = (e: FeedEntry) => (isCondition(e.kind) ? 0 : 1);
  return rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A feed's `updated`: its newest entry's, else its newest run's, else the epoch (nothing has happened yet). */
export function feedUpdated(entries: readonly FeedEntry[], runs: readonly DagRun[]): string {
  if (entries.length > 0) return entries.reduce((newest, e) => (e.updated > newest ? e.updated : newest), entries[0].updated);
  const times = runs.map(runTime).filter((time) => time !== null);
  return times.sort().at(-1) ?? new Date(0).toISOString();
}

/** Whether the entry is about the DAG (paused, not importing) rather than about one of its runs. */
export function isCondition(kind: FeedEntryKind): kind is 'paused' | 'import_error' {
  return kind === 'paused' || kind === 'import_error';
}
