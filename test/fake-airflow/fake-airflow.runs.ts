/**
 * The fake Airflow's dag_run table: each run as served, with the updated_at Airflow would keep for it, and
 * the listing Airflow's GET .../dagRuns makes of it (filters, order_by, offset pages and 3.3's keyset cursor).
 *
 * Runs come from the tests' `dags` arrays, diffed by (dag_id, dag_run_id): a run is stamped with Airflow's
 * clock when it first appears and whenever a served field changes, as DagRun.updated_at's onupdate does.
 * Across every DAG (`~`) the listing walks indexes kept by id and by (updated_at, id), so a page at 50,000
 * runs costs one pass over the matching rows; another order sorts the table once per change, not per page.
 */
import type { FakeApiVersion, FakeDagRun } from './fake-airflow.types.js';

export interface RunRow {
  /** Creation order: the last tie-breaker, so runs that share an id still page apart. */
  readonly seq: number;
  readonly dagId: string;
  /** As served: dag_id and dag_display_name from the DAG's key, no updated_at. */
  run: FakeDagRun;
  /** DagRun.updated_at, epoch ms on Airflow's clock. */
  updatedAt: number;
  /** The run's times as epoch ms, parsed once for sorting (cleared when the run changes). */
  times?: Record<'run_after' | 'logical_date' | 'execution_date' | 'start_date' | 'end_date', number | null>;
}

type SortValue = number | string | null;
interface SortKey {
  readonly name: string;
  readonly value: (row: RunRow) => SortValue;
  readonly desc: boolean;
}

const time = (v: string | null): number | null => (v === null ? null : Date.parse(v));
const byIdValue = (r: RunRow): SortValue => r.run.id;
const byUpdatedValue = (r: RunRow): SortValue => r.updatedAt;
/** A time of the run, parsed on first use. */
function timeOf(field: keyof NonNullable<RunRow['times']>): (r: RunRow) => SortValue {
  return (r) => {
    const { run } = r;
    r.times ??= {
      run_after: time(run.run_after),
      logical_date: time(run.logical_date),
      // Airflow 2 has no run without execution date: its manual runs carry their trigger time.
      execution_date: time(run.logical_date ?? run.run_after),
      start_date: time(run.start_date),
      end_date: time(run.end_date),
    };
    return r.times[field];
  };
}

/**
 * The `order_by` attributes the fake sorts on, by the name Airflow resolves them to. Airflow answers 400 for
 * an attribute it does not allow (v2 has no execution_date, v1 no run_after); the fake does too, and for the
 * few it allows but the fake does not emulate (conf, duration, partition_date; v1: external_trigger, conf).
 */
const SORT_VALUES: Record<FakeApiVersion, Record<string, (row: RunRow) => SortValue>> = {
  v2: {
    id: byIdValue,
    run_after: timeOf('run_after'),
    logical_date: timeOf('logical_date'),
    updated_at: byUpdatedValue,
    start_date: timeOf('start_date'),
    end_date: timeOf('end_date'),
    dag_id: (r) => r.dagId,
    run_id: (r) => r.run.dag_run_id,
    state: (r) => r.run.state,
  },
  v1: {
    id: byIdValue,
    execution_date: timeOf('execution_date'),
    updated_at: byUpdatedValue,
    start_date: timeOf('start_date'),
    end_date: timeOf('end_date'),
    dag_id: (r) => r.dagId,
    run_id: (r) => r.run.dag_run_id,
    state: (r) => r.run.state,
  },
};
/** SortParam's MAX_SORT_PARAMS. */
const MAX_SORT_KEYS = 10;
/** EXACT_COUNT_LIMIT: a cursor page counts its matches up to this. */
export const TOTAL_ENTRIES_LIMIT = 50_000;

/**
 * `order_by` as Airflow resolves it: v2 takes the parameter repeated (multi-column), v1 one attribute; `-` is
 * descending; `dag_run_id` is `run_id`. Airflow 3 appends the primary key `id`, in the first key's direction,
 * unless given; Airflow 2 leaves ties to the database, and the fake breaks them the same way. A string is the
 * 400's detail.
 */
export function resolveRunOrder(v: FakeApiVersion, orderBy: readonly string[]): SortKey[] | string {
  const given = orderBy.length === 0 ? ['id'] : v === 'v1' ? orderBy.slice(0, 1) : orderBy;
  if (given.length > MAX_SORT_KEYS) {
    return `Ordering with more than ${MAX_SORT_KEYS} parameters is not allowed. Provided: ['${given.join("', '")}']`;
  }
  const keys: SortKey[] = [];
  for (const item of given) {
    const stripped = item.replace(/^-+/, '');
    const name = stripped === 'dag_run_id' ? 'run_id' : stripped;
    const value = SORT_VALUES[v][name];
    // Airflow 3 names the attribute after aliasing, Airflow 2 as given.
    if (!value) return `Ordering with '${v === 'v2' ? name : stripped}' is disallowed or the attribute does not exist on the model`;
    keys.push({ name, value, desc: item.startsWith('-') });
  }
  if (!keys.some((k) => k.name === 'id')) keys.push({ name: 'id', value: byIdValue, desc: keys[0].desc });
  return keys;
}

/** ORDER BY without NULLS FIRST/LAST, as Airflow emits it, on SQLite (scripts/airflow): NULL is the smallest. */
function compareValues(x: SortValue, y: SortValue): number {
  return x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
}

/** Row order for `keys`, then creation order (in the last key's direction). */
function compareRows(keys: readonly SortKey[], a: RunRow, b: RunRow): number {
  for (const k of keys) {
    const c = compareValues(k.value(a), k.value(b));
    if (c !== 0) return k.desc ? -c : c;
  }
  return (keys.at(-1)?.desc ? -1 : 1) * (a.seq - b.seq);
}

/** A keyset position: the sort values of the row it follows, then its seq. */
interface Position {
  values: SortValue[];
  seq: number;
}

function compareToPosition(keys: readonly SortKey[], row: RunRow, pos: Position): number {
  for (let i = 0; i < keys.length; i++) {
    const c = compareValues(keys[i].value(row), pos.values[i]);
    if (c !== 0) return keys[i].desc ? -c : c;
  }
  return (keys.at(-1)?.desc ? -1 : 1) * (row.seq - pos.seq);
}

/**
 * Airflow 3.3's cursor: URL-safe base64 of the boundary row's sort values (msgpack there, JSON here, plus the
 * fake's own tie-breaker). `~` before it goes backward (previous_cursor).
 */
function encodeCursor(keys: readonly SortKey[], row: RunRow): string {
  return Buffer.from(JSON.stringify([...keys.map((k) => k.value(row)), row.seq])).toString('base64url');
}

/** The position a cursor token points at, or the 400's detail, as cursors.py words them. */
function decodeCursor(keys: readonly SortKey[], token: string): Position | string {
  let data: unknown;
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(token)) return 'Invalid cursor token';
    data = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return 'Invalid cursor token';
  }
  if (!Array.isArray(data)) return 'Invalid cursor token structure';
  if (data.length !== keys.length + 1) return 'Cursor token does not match current query shape';
  const values = data as unknown[];
  const seq = values.at(-1);
  if (typeof seq !== 'number' || !values.every((x) => x === null || typeof x === 'number' || typeof x === 'string')) {
    return 'Invalid cursor token';
  }
  return { values: values.slice(0, -1), seq };
}

export interface RunSelection {
  keys: readonly SortKey[];
  /** Any of these states (none: all). */
  states: readonly string[];
  /** Bounds on updated_at (epoch ms), as the updated_at_gte/_gt/_lte/_lt parameters. */
  updated: { gte?: number; gt?: number; lte?: number; lt?: number };
  /** A lower bound on a run's time (epoch ms): v2's run_after_gte, v1's execution_date_gte. */
  since?: { field: 'run_after' | 'execution_date'; gte: number };
  limit: number;
  /** An offset page, or a cursor page ('' for the first). */
  page: { offset: number } | { cursor: string };
}

export interface RunPage {
  runs: FakeDagRun[];
  /** Exact for an offset page; capped at TOTAL_ENTRIES_LIMIT for a cursor page. */
  total: number;
  nextCursor: string | null;
  previousCursor: string | null;
}

function lowerBound<T>(items: readonly T[], below: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (below(items[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether two runs serve the same (the fake's id and updated_at, and the DAG's own fields aside). */
function sameServed(served: FakeDagRun, next: FakeDagRun): boolean {
  const a = served as unknown as Record<string, unknown>;
  const b = next as unknown as Record<string, unknown>;
  let keys = 0;
  for (const k in b) {
    if (k === 'updated_at') continue;
    keys++;
    if (k === 'id' || k === 'dag_id' || k === 'dag_display_name') continue;
    const x = a[k];
    const y = b[k];
    if (x !== y && (typeof x !== 'object' || typeof y !== 'object' || JSON.stringify(x) !== JSON.stringify(y))) return false;
  }
  // A field the new version lacks is a change too (served has no updated_at).
  return keys === Object.keys(a).length;
}

function servedOf(dagId: string, run: FakeDagRun): FakeDagRun {
  if (!('updated_at' in run)) return { ...run, dag_id: dagId, dag_display_name: dagId };
  const { updated_at: _updatedAt, ...served } = run;
  return { ...served, dag_id: dagId, dag_display_name: dagId };
}

export function stampOf(run: FakeDagRun): number | undefined {
  if (run.updated_at === undefined) return undefined;
  const ms = Date.parse(run.updated_at);
  if (Number.isNaN(ms)) throw new Error(`FakeAirflow: run ${run.dag_run_id}'s updated_at ${run.updated_at} is not a time`);
  return ms;
}

const ID_KEYS: readonly SortKey[] = [{ name: 'id', value: byIdValue, desc: false }];
const UPDATED_KEYS: readonly SortKey[] = [
  { name: 'updated_at', value: byUpdatedValue, desc: false },
  { name: 'id', value: byIdValue, desc: false },
];

export class RunTable {
  private rows = new Map<string, RunRow>();
  private byDag = new Map<string, RunRow[]>();
  /** Every row by (id, seq) and by (updated_at, id, seq); null until needed after a bulk change. */
  private idIndex: RunRow[] | null = null;
  private updatedIndex: RunRow[] | null = null;
  /** Every row in the last other order asked across every DAG, until the next change. */
  private otherOrder: { keys: string; rows: RunRow[] } | null = null;
  private lastSeq = 0;

  /**
   * Makes the table hold exactly `dags`' runs. Runs are matched by (DAG, dag_run_id, how many times that id
   * came before in the DAG); a new or changed one gets `now` unless it pins its own updated_at.
   */
  sync(dags: Readonly<Record<string, readonly FakeDagRun[]>>, now: number): void {
    const rows = new Map<string, RunRow>();
    const byDag = new Map<string, RunRow[]>();
    let reorder = false;
    for (const [dagId, runs] of Object.entries(dags)) {
      const list: RunRow[] = [];
      const seen = new Map<string, number>();
      for (const run of runs) {
        const n = seen.get(run.dag_run_id) ?? 0;
        seen.set(run.dag_run_id, n + 1);
        const key = `${dagId}\u0000${run.dag_run_id}\u0000${n}`;
        const pinned = stampOf(run);
        let row = this.rows.get(key);
        if (!row) {
          row = { seq: ++this.lastSeq, dagId, run: servedOf(dagId, run), updatedAt: pinned ?? now };
          reorder = true;
        } else {
          const changed = !sameServed(row.run, run);
          const idChanged = row.run.id !== run.id;
          const updatedAt = pinned ?? (changed ? now : row.updatedAt);
          if (changed || idChanged) {
            row.run = servedOf(dagId, run);
            row.times = undefined;
          }
          if (idChanged || updatedAt !== row.updatedAt) reorder = true;
          row.updatedAt = updatedAt;
        }
        rows.set(key, row);
        list.push(row);
      }
      byDag.set(dagId, list);
    }
    if (rows.size !== this.rows.size) reorder = true;
    this.rows = rows;
    this.byDag = byDag;
    if (reorder) {
      this.idIndex = null;
      this.updatedIndex = null;
    }
    this.otherOrder = null;
  }

  /** The rows of a DAG, in the order its array gives them; undefined for a DAG the table has not. */
  runsOf(dagId: string): readonly RunRow[] | undefined {
    return this.byDag.get(dagId);
  }

  find(dagId: string, runId: string): RunRow | undefined {
    return this.rows.get(`${dagId}\u0000${runId}\u00000`);
  }

  /** Replaces one run (found by its dag_run_id) or adds it at the end of its DAG, stamped `updatedAt`. */
  put(dagId: string, run: FakeDagRun, updatedAt: number): void {
    this.otherOrder = null;
    const key = `${dagId}\u0000${run.dag_run_id}\u00000`;
    const row = this.rows.get(key);
    if (!row) {
      const added: RunRow = { seq: ++this.lastSeq, dagId, run: servedOf(dagId, run), updatedAt };
      this.rows.set(key, added);
      const list = this.byDag.get(dagId);
      if (list) list.push(added);
      else this.byDag.set(dagId, [added]);
      if (this.idIndex) insertSorted(this.idIndex, added, ID_KEYS);
      if (this.updatedIndex) insertSorted(this.updatedIndex, added, UPDATED_KEYS);
      return;
    }
    // Out of the indexes under its old values, back in under its new ones.
    if (this.idIndex) removeSorted(this.idIndex, row, ID_KEYS);
    if (this.updatedIndex) removeSorted(this.updatedIndex, row, UPDATED_KEYS);
    row.run = servedOf(dagId, run);
    row.times = undefined;
    row.updatedAt = updatedAt;
    if (this.idIndex) insertSorted(this.idIndex, row, ID_KEYS);
    if (this.updatedIndex) insertSorted(this.updatedIndex, row, UPDATED_KEYS);
  }

  /**
   * One page of runs: of `dagId`'s, or of every DAG's for null (`~`). A string is the 400's detail (a bad
   * cursor). Cursor pages follow cursors.py: the rows strictly after (or, for `~token`, before) the position,
   * one more fetched to know whether another page follows.
   */
  select(dagId: string | null, q: RunSelection): RunPage | string {
    const ordered = this.ordered(dagId, q);
    if ('offset' in q.page) {
      const { offset } = q.page;
      return {
        runs: ordered.slice(offset, offset + q.limit).map((r) => r.run),
        total: ordered.length,
        nextCursor: null,
        previousCursor: null,
      };
    }
    const total = Math.min(ordered.length, TOTAL_ENTRIES_LIMIT);
    const { cursor } = q.page;
    const backward = cursor.startsWith('~');
    let page: RunRow[];
    let hasNext: boolean;
    let hasPrev: boolean;
    if (cursor === '') {
      page = ordered.slice(0, q.limit + 1);
      hasNext = page.length > q.limit;
      hasPrev = false;
    } else {
      const pos = decodeCursor(q.keys, backward ? cursor.slice(1) : cursor);
      if (typeof pos === 'string') return pos;
      if (backward) {
        const end = lowerBound(ordered, (r) => compareToPosition(q.keys, r, pos) < 0);
        page = ordered.slice(Math.max(0, end - q.limit - 1), end);
        hasPrev = page.length > q.limit;
        hasNext = true;
        if (hasPrev) page = page.slice(1);
      } else {
        const start = lowerBound(ordered, (r) => compareToPosition(q.keys, r, pos) <= 0);
        page = ordered.slice(start, start + q.limit + 1);
        hasNext = page.length > q.limit;
        hasPrev = true;
      }
    }
    page = page.slice(0, q.limit);
    const first = page[0];
    const last = page.at(-1);
    return {
      runs: page.map((r) => r.run),
      total,
      nextCursor: hasNext && last ? encodeCursor(q.keys, last) : null,
      previousCursor: hasPrev && first ? `~${encodeCursor(q.keys, first)}` : null,
    };
  }

  /** The matching rows in `q.keys` order: walked off an index across every DAG when one fits, else sorted. */
  private ordered(dagId: string | null, q: RunSelection): RunRow[] {
    const { states, updated, since } = q;
    const floor = Math.max(updated.gte ?? -Infinity, updated.gt ?? -Infinity);
    const sinceOf = since === undefined ? null : timeOf(since.field);
    const match = (r: RunRow): boolean =>
      (states.length === 0 || states.includes(r.run.state)) &&
      (since === undefined || Number(sinceOf!(r) ?? -Infinity) >= since.gte) &&
      (updated.gte === undefined || r.updatedAt >= updated.gte) &&
      (updated.gt === undefined || r.updatedAt > updated.gt) &&
      (updated.lte === undefined || r.updatedAt <= updated.lte) &&
      (updated.lt === undefined || r.updatedAt < updated.lt);
    if (dagId !== null) return (this.byDag.get(dagId) ?? []).filter(match).sort((a, b) => compareRows(q.keys, a, b));

    const [first, second] = q.keys;
    if (q.keys.length === 1 && first.name === 'id') return walk(this.byId(), first.desc, match, 0);
    if (q.keys.length === 2 && first.name === 'updated_at' && second.name === 'id' && first.desc === second.desc) {
      const index = this.byUpdated();
      // The updated_at bound skips straight to the first row that can match.
      const from = floor === -Infinity ? 0 : lowerBound(index, (r) => r.updatedAt < floor);
      return walk(index, first.desc, match, from);
    }
    const signature = q.keys.map((k) => (k.desc ? `-${k.name}` : k.name)).join();
    if (this.otherOrder?.keys !== signature) {
      this.otherOrder = { keys: signature, rows: [...this.byId()].sort((a, b) => compareRows(q.keys, a, b)) };
    }
    return this.otherOrder.rows.filter(match);
  }

  private byId(): RunRow[] {
    this.idIndex ??= [...this.rows.values()].sort((a, b) => compareRows(ID_KEYS, a, b));
    return this.idIndex;
  }

  private byUpdated(): RunRow[] {
    this.updatedIndex ??= [...this.rows.values()].sort((a, b) => compareRows(UPDATED_KEYS, a, b));
    return this.updatedIndex;
  }
}

/** The matching rows of an ascending index from `from` on, in either direction. */
function walk(index: readonly RunRow[], desc: boolean, match: (r: RunRow) => boolean, from: number): RunRow[] {
  const out: RunRow[] = [];
  if (desc) {
    for (let i = index.length - 1; i >= from; i--) if (match(index[i])) out.push(index[i]);
  } else {
    for (let i = from; i < index.length; i++) if (match(index[i])) out.push(index[i]);
  }
  return out;
}

function insertSorted(index: RunRow[], row: RunRow, keys: readonly SortKey[]): void {
  index.splice(
    lowerBound(index, (r) => compareRows(keys, r, row) < 0),
    0,
    row,
  );
}

function removeSorted(index: RunRow[], row: RunRow, keys: readonly SortKey[]): void {
  const i = lowerBound(index, (r) => compareRows(keys, r, row) < 0);
  if (index[i] === row) index.splice(i, 1);
  else index.splice(index.indexOf(row), 1);
}
