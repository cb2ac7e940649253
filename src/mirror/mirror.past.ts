import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { DagRun } from '../airflow/airflow.types.js';
import type { AllConfig } from '../config/config.type.js';
import { madeRunId, timestampMicros } from './mirror.runs.js';
import type { DagPast, FailedTask, PastRun } from './mirror.types.js';

/**
 * Each watched DAG's past runs over the longest reliability window (issue 20): 720 per DAG for 30 days of
 * hourly runs, 720,000 at 1,000 DAGs. A run is a row of typed arrays rather than an object: its four times
 * as microseconds in one Float64Array (32 bytes), its state, run type and where its id comes from as a byte
 * each, and no id at all when Airflow made it of the run type and a time (almost every run), so about 35 bytes
 * a run (BENCHMARKS.md, "The past of every DAG"). The total is bounded: the window (RELIABILITY_WINDOWS, at
 * most 90 days), MAX_PAST_RUNS per DAG, times the DAGs watched; runs older than the window drop out at every sync.
 */

/** Times per run in `times`: when it was due, its logical date, start and end (epoch µs; NaN: none). */
const STRIDE = 4;
const DUE = 0;
const LOGICAL = 1;
const START = 2;
const END = 3;
/** Where a run's id comes from: held in `ids`, or made of its run type and its logical date or due time. */
const ID_HELD = 0;
const ID_FROM_LOGICAL = 1;
const ID_FROM_DUE = 2;
/**
 * The most runs kept per DAG: a DAG that runs every 5 minutes has 8,640 in 30 days. Beyond, the oldest drop
 * out (its `since` then says from when its runs are whole). With the window, it bounds the total: at most
 * DAGs × 10,000 × ~35 bytes.
 */
export const MAX_PAST_RUNS = 10_000;
/** Failed runs per DAG whose failed tasks are looked up (the newest in the window). */
export const PAST_FAILED_RUNS = 10;
/** A DAG's arrays keep this much room beyond its runs once read whole: a few days of hourly runs before they grow. */
const SPARE_ROWS = 64;

/** States and run types as one byte: Airflow has about a dozen; 0 is null. Bounded: past 255, `unknown`. */
const CODES: (string | null)[] = [null, 'unknown'];
const CODE_OF = new Map<string, number>([['unknown', 1]]);

function codeOf(value: string | null): number {
  if (value === null) return 0;
  let code = CODE_OF.get(value);
  if (code === undefined) {
    if (CODES.length > 255) return 1;
    code = CODES.length;
    CODES.push(value);
    CODE_OF.set(value, code);
  }
  return code;
}

/** One DAG's past runs, oldest first, as columns. */
export class PastColumns {
  length = 0;
  private times = new Float64Array(0);
  private states = new Uint8Array(0);
  private types = new Uint8Array(0);
  private idFrom = new Uint8Array(0);
  /** Ids Airflow did not make of a run type and time; null while every run's is (most DAGs). */
  private ids: (string | undefined)[] | null = null;

  /** The run at `i`, as readers see it. */
  run(i: number): PastRun {
    const t = i * STRIDE;
    return {
      runId: this.idOf(i),
      runType: CODES[this.types[i]],
      state: CODES[this.states[i]] ?? 'unknown',
      dueAt: ms(this.times[t + DUE]),
      logicalAt: ms(this.times[t + LOGICAL]),
      startAt: ms(this.times[t + START]),
      endAt: ms(this.times[t + END]),
    };
  }

  idOf(i: number): string {
    const from = this.idFrom[i];
    if (from === ID_HELD) return this.ids?.[i] ?? '';
    return madeRunId(CODES[this.types[i]] ?? '', this.times[i * STRIDE + (from === ID_FROM_LOGICAL ? LOGICAL : DUE)]);
  }

  state(i: number): string {
    return CODES[this.states[i]] ?? 'unknown';
  }

  endMicros(i: number): number {
    return this.times[i * STRIDE + END];
  }

  /** Where the run at `i` sorts, and whether it is in the window: when it was due, else started, else its logical date. */
  order(i: number): number {
    const t = i * STRIDE;
    return orderOf(this.times[t + DUE], this.times[t + START], this.times[t + LOGICAL]);
  }

  /**
   * Adds the run, or updates the one with its id (a run's due time never changes, so it is looked for among
   * the runs due at the same time). @returns whether anything held changed
   */
  put(run: DagRun): boolean {
    const due = dueMicros(run);
    const logical = timestampMicros(run.logicalDate);
    const start = timestampMicros(run.startDate);
    const end = timestampMicros(run.endDate);
    const order = orderOf(due, start, logical);
    const at = this.find(run.runId, order);
    if (at >= 0) {
      const t = at * STRIDE;
      if (
        this.state(at) === run.state &&
        same(this.times[t + START], start) &&
        same(this.times[t + END], end) &&
        same(this.times[t + LOGICAL], logical)
      )
        return false;
      this.remove(at, 1);
    }
    let idFrom = ID_HELD;
    if (run.runType !== null && !Number.isNaN(logical) && run.runId === madeRunId(run.runType, logical)) idFrom = ID_FROM_LOGICAL;
    else if (run.runType !== null && !Number.isNaN(due) && run.runId === madeRunId(run.runType, due)) idFrom = ID_FROM_DUE;
    const into = this.insertionPoint(order, logical, start);
    this.open(into);
    const t = into * STRIDE;
    this.times[t + DUE] = due;
    this.times[t + LOGICAL] = logical;
    this.times[t + START] = start;
    this.times[t + END] = end;
    this.states[into] = codeOf(run.state);
    this.types[into] = codeOf(run.runType);
    this.idFrom[into] = idFrom;
    if (idFrom === ID_HELD) (this.ids ??= new Array<string | undefined>(this.times.length / STRIDE))[into] = run.runId;
    else if (this.ids !== null) this.ids[into] = undefined;
    return true;
  }

  /** Drops the `n` oldest runs. */
  dropFirst(n: number): void {
    this.remove(0, Math.min(n, this.length));
  }

  /** Drops the runs that sort before `micros`. @returns how many */
  dropBefore(micros: number): number {
    let n = 0;
    while (n < this.length && this.order(n) < micros) n++;
    if (n > 0) this.remove(0, n);
    return n;
  }

  /** Index of the run with this id among those sorting at `order`, or -1. */
  find(runId: string, order: number): number {
    let lo = this.lowerBound(order);
    for (; lo < this.length && this.order(lo) === order; lo++) if (this.idOf(lo) === runId) return lo;
    return -1;
  }

  /** Gives back the room beyond SPARE_ROWS (after the first load's growth). */
  trim(): void {
    if (this.times.length / STRIDE > this.length + 2 * SPARE_ROWS) this.resize(this.length + SPARE_ROWS);
  }

  /** Bytes held (the arrays' buffers and the id slots), for the figures in BENCHMARKS.md. */
  bytes(): number {
    const rows = this.times.length / STRIDE;
    return this.times.byteLength + 3 * rows + (this.ids === null ? 0 : 8 * rows);
  }

  private lowerBound(order: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order(mid) < order) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** After the runs sorting before or with it: by order, then logical date, then start (NaN first). */
  private insertionPoint(order: number, logical: number, start: number): number {
    let i = this.lowerBound(order);
    while (i < this.length && this.order(i) === order) {
      const t = i * STRIDE;
      const c = compare(this.times[t + LOGICAL], logical) || compare(this.times[t + START], start);
      if (c > 0) break;
      i++;
    }
    return i;
  }

  /** Makes an empty row at `at`, growing by half when full (new runs come at the end: usually no move). */
  private open(at: number): void {
    const rows = this.times.length / STRIDE;
    if (this.length === rows) this.resize(Math.max(16, Math.ceil(rows * 1.5)));
    if (at < this.length) {
      this.times.copyWithin((at + 1) * STRIDE, at * STRIDE, this.length * STRIDE);
      this.states.copyWithin(at + 1, at, this.length);
      this.types.copyWithin(at + 1, at, this.length);
      this.idFrom.copyWithin(at + 1, at, this.length);
      this.ids?.copyWithin(at + 1, at, this.length);
    }
    this.length += 1;
  }

  private remove(at: number, n: number): void {
    this.times.copyWithin(at * STRIDE, (at + n) * STRIDE, this.length * STRIDE);
    this.states.copyWithin(at, at + n, this.length);
    this.types.copyWithin(at, at + n, this.length);
    this.idFrom.copyWithin(at, at + n, this.length);
    if (this.ids !== null) {
      this.ids.copyWithin(at, at + n, this.length);
      this.ids.fill(undefined, this.length - n, this.length);
    }
    this.length -= n;
  }

  private resize(rows: number): void {
    const times = new Float64Array(rows * STRIDE);
    times.set(this.times.subarray(0, this.length * STRIDE));
    this.times = times;
    const bytes = (old: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> => {
      const next = new Uint8Array(rows);
      next.set(old.subarray(0, this.length));
      return next;
    };
    this.states = bytes(this.states);
    this.types = bytes(this.types);
    this.idFrom = bytes(this.idFrom);
    if (this.ids !== null) {
      const held = this.ids.slice(0, this.length);
      this.ids = held.some((id) => id !== undefined) ? Object.assign(new Array<string | undefined>(rows), held) : null;
    }
  }
}

/** What is known of one DAG's past, and where its first read stands. */
interface PastState {
  readonly columns: PastColumns;
  revision: number;
  /** Whether the window has been read whole; until then, pages are read newest first. */
  complete: boolean;
  /** Whether a page has been read (before: nothing to show). */
  started: boolean;
  /** Whether runs of the window were dropped to keep MAX_PAST_RUNS: no run is missing only from the oldest kept. */
  capped: boolean;
  /** While incomplete: the oldest order read so far (epoch µs), no run missing after it. */
  readSince: number;
  /** The first read's lower bound (epoch ms, the window's start when it began) and next offset. */
  loadFrom: number;
  offset: number;
  /** A page is in flight: runs the changes feed brings meanwhile are newer than it, and win. */
  touched: Set<string> | null;
  /** When a failed page may be asked again (epoch ms). */
  retryAt: number;
  failures: number;
  /** The failed tasks looked up, by run id (the newest PAST_FAILED_RUNS failed runs'), with the end they were read for. */
  readonly failedTasks: Map<string, { end: number; tasks: readonly FailedTask[] }>;
  /** The runs as last handed out, while someone holds them. */
  cache: { revision: number; runs: WeakRef<readonly PastRun[]> } | null;
}

/**
 * The past runs of every watched DAG over the longest reliability window, for issue 20's figures: read once
 * newest first in pages by MirrorSync (paced like its whole reads), then kept by the changes feed the syncs
 * read anyway, so they cost no periodic call. MirrorStore hands them out; nothing here calls Airflow.
 */
@Injectable()
export class MirrorPast {
  /** What is kept of each DAG (ms): the longest RELIABILITY_WINDOWS, at least the duration trend's 37 days. */
  readonly windowMs: number;
  private readonly states = new Map<string, PastState>();
  /** DAGs that may have failed runs without their failed tasks. */
  private readonly tasksDue = new Set<string>();

  constructor(config: ConfigService<AllConfig, true>) {
    this.windowMs = config.getOrThrow('reliability', { infer: true }).keepMs;
  }

  /** The DAG's past; null before its first page. Synchronous, no Airflow call. */
  past(dagId: string): DagPast | null {
    const state = this.states.get(dagId);
    if (state === undefined || !state.started) return null;
    const cutoff = Date.now() - this.windowMs;
    let runs = state.cache?.revision === state.revision ? state.cache.runs.deref() : undefined;
    if (runs === undefined) {
      const { columns } = state;
      const list: PastRun[] = new Array<PastRun>(columns.length);
      for (let i = 0; i < columns.length; i++) list[i] = columns.run(i);
      runs = Object.freeze(list);
      state.cache = { revision: state.revision, runs: new WeakRef(runs) };
    }
    let since = state.complete ? cutoff : Math.max(cutoff, Math.floor(state.readSince / 1000) + 1);
    if (state.capped && state.columns.length > 0) since = Math.max(since, Math.ceil(state.columns.order(0) / 1000));
    return { dagId, runs, since, complete: state.complete, revision: state.revision };
  }

  /** The failed tasks of a failed past run, once looked up; null otherwise. */
  failedTasks(dagId: string, runId: string): readonly FailedTask[] | null {
    return this.states.get(dagId)?.failedTasks.get(runId)?.tasks ?? null;
  }

  /** Whether the DAG's past still has pages to read now (never read, or its read stopped on a fault and may go on). */
  needsRead(dagId: string, now: number): boolean {
    const state = this.states.get(dagId);
    return state === undefined || (!state.complete && state.touched === null && state.retryAt <= now);
  }

  /** A page of the DAG's past is read now: from where, and at which offset. */
  beginPage(dagId: string, now: number): { since: string; offset: number } {
    let state = this.states.get(dagId);
    if (state === undefined) this.states.set(dagId, (state = newState(now - this.windowMs)));
    state.touched = new Set();
    return { since: new Date(state.loadFrom).toISOString(), offset: state.offset };
  }

  /**
   * A page of the DAG's past, newest first; `next` is the next page's offset, null after the last.
   * Runs the changes feed brought while it was in flight are newer than it and kept as they are.
   * @returns whether more pages follow
   */
  setPage(dagId: string, runs: readonly DagRun[], next: number | null): boolean {
    const state = this.states.get(dagId);
    if (state === undefined) return false;
    const touched = state.touched ?? new Set<string>();
    state.touched = null;
    state.failures = 0;
    let changed = !state.started;
    state.started = true;
    for (const run of runs) {
      if (touched.has(run.runId)) continue;
      if (this.putRun(dagId, state, run)) changed = true;
    }
    const { columns } = state;
    let oldest = state.readSince;
    for (const run of runs) {
      oldest = Math.min(oldest, orderOf(dueMicros(run), timestampMicros(run.startDate), timestampMicros(run.logicalDate)));
    }
    state.readSince = oldest;
    // As many runs as a DAG may keep: older ones would only drop out again.
    const full = columns.length >= MAX_PAST_RUNS && next !== null;
    if (full) state.capped = true;
    const more = full ? null : next;
    if (more === null) {
      state.complete = true;
      columns.trim();
    } else state.offset = more;
    if (changed) state.revision += 1;
    return more !== null;
  }

  /** A page could not be read: asked again from the same offset after `retryAt`; what was read is kept. */
  failPage(dagId: string, retryAt: number): void {
    const state = this.states.get(dagId);
    if (state === undefined) return;
    state.touched = null;
    state.failures += 1;
    state.retryAt = retryAt;
  }

  /** How many page reads of the DAG failed in a row. */
  failuresOf(dagId: string): number {
    return this.states.get(dagId)?.failures ?? 0;
  }

  /** A run created or changed, from the changes feed: it updates the DAG's past once its read has begun. */
  apply(run: DagRun): void {
    const state = this.states.get(run.dagId);
    if (state === undefined) return;
    state.touched?.add(run.runId);
    if (this.putRun(run.dagId, state, run)) state.revision += 1;
  }

  /** Runs older than the window drop out (at every sync). */
  prune(now: number): void {
    const cutoff = (now - this.windowMs) * 1000;
    for (const state of this.states.values()) {
      const { columns } = state;
      if (columns.length === 0 || columns.order(0) >= cutoff) continue;
      for (let i = 0; i < columns.length && columns.order(i) < cutoff; i++) state.failedTasks.delete(columns.idOf(i));
      columns.dropBefore(cutoff);
      state.revision += 1;
    }
  }

  /** A DAG no longer watched: its past is dropped. */
  forget(dagId: string): void {
    this.states.delete(dagId);
    this.tasksDue.delete(dagId);
  }

  /**
   * The next failed run whose failed tasks to look up: among each DAG's newest PAST_FAILED_RUNS failed runs
   * (those of older failed runs are dropped, so they stay bounded); null when every one is known.
   */
  nextFailedRun(): { dagId: string; runId: string } | null {
    for (const dagId of this.tasksDue) {
      const state = this.states.get(dagId);
      const wanted = state === undefined ? [] : newestFailed(state.columns);
      if (state !== undefined) {
        const keep = new Set(wanted.map((i) => state.columns.idOf(i)));
        for (const runId of state.failedTasks.keys()) if (!keep.has(runId)) state.failedTasks.delete(runId);
        for (const i of wanted) {
          const runId = state.columns.idOf(i);
          if (!state.failedTasks.has(runId)) return { dagId, runId };
        }
      }
      this.tasksDue.delete(dagId);
    }
    return null;
  }

  /** The failed tasks of a failed run, looked up; ignored when the run has changed or left meanwhile. */
  setFailedTasks(dagId: string, runId: string, tasks: readonly FailedTask[]): void {
    const state = this.states.get(dagId);
    if (state === undefined) return;
    const at = newestFailed(state.columns).find((i) => state.columns.idOf(i) === runId);
    if (at === undefined) return;
    state.failedTasks.set(runId, { end: state.columns.endMicros(at), tasks });
    state.revision += 1;
  }

  /** The DAGs with a past, and the bytes its columns hold (the bench's figure). */
  size(): { dags: number; runs: number; bytes: number } {
    let runs = 0;
    let bytes = 0;
    for (const state of this.states.values()) {
      runs += state.columns.length;
      bytes += state.columns.bytes();
    }
    return { dags: this.states.size, runs, bytes };
  }

  /** Puts one run in the DAG's past; a run that changed loses the failed tasks read for its former state. */
  private putRun(dagId: string, state: PastState, run: DagRun): boolean {
    if (!state.columns.put(run)) return false;
    const over = state.columns.length - MAX_PAST_RUNS;
    if (over > 0) {
      for (let i = 0; i < over; i++) state.failedTasks.delete(state.columns.idOf(i));
      state.columns.dropFirst(over);
      state.capped = true;
    }
    const held = state.failedTasks.get(run.runId);
    if (held !== undefined && (run.state !== 'failed' || !same(held.end, timestampMicros(run.endDate))))
      state.failedTasks.delete(run.runId);
    if (run.state === 'failed') this.tasksDue.add(dagId);
    return true;
  }
}

function newState(loadFrom: number): PastState {
  return {
    columns: new PastColumns(),
    revision: 0,
    complete: false,
    started: false,
    readSince: Infinity,
    capped: false,
    loadFrom,
    offset: 0,
    touched: null,
    retryAt: 0,
    failures: 0,
    failedTasks: new Map(),
    cache: null,
  };
}

/** Indexes of the newest PAST_FAILED_RUNS failed runs, newest first. */
function newestFailed(columns: PastColumns): number[] {
  const found: number[] = [];
  for (let i = columns.length - 1; i >= 0 && found.length < PAST_FAILED_RUNS; i--) if (columns.state(i) === 'failed') found.push(i);
  return found;
}

/** When a run was due (epoch µs): `run_after` (Airflow 3), else `data_interval_end`, else its logical date (Airflow 2). */
function dueMicros(run: DagRun): number {
  return timestampMicros(run.runAfter ?? run.dataIntervalEnd ?? run.logicalDate);
}

/** Where a run sorts and whether it is in the window: when due, else started, else its logical date; a run with no time first. */
function orderOf(due: number, start: number, logical: number): number {
  if (!Number.isNaN(due)) return due;
  if (!Number.isNaN(start)) return start;
  return Number.isNaN(logical) ? -Infinity : logical;
}

function ms(micros: number): number | null {
  return Number.isNaN(micros) ? null : Math.floor(micros / 1000);
}

function same(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** NaN first, then by value. */
function compare(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a - b;
}
