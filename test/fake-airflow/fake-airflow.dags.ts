/**
 * The fake Airflow's DAGs: one DAG's body (Airflow 3.3's DAGResponse, Airflow 2.10's DAG schema) from the
 * attributes a test set, and the DAG list `GET /api/{v}/dags` with the filters and order of each version.
 */
import type { FakeApiVersion, FakeDagAttributes } from './fake-airflow.types.js';
import { airflow2Time, badRequest, iso, json, problem, type Query, type Reply } from './fake-airflow.wire.js';

/** Default DAG times: when the fake's DAG files were last parsed. */
const PARSED_MS = Date.UTC(2025, 0, 1);

interface DagModel {
  dagId: string;
  is_paused: boolean;
  is_stale: boolean;
  has_import_errors: boolean;
  tags: string[];
  owners: string[];
  next: string | null;
  timetable_summary: string | null;
  timetable_description: string | null;
  description: string | null;
}

function model(dagId: string, a: FakeDagAttributes = {}): DagModel {
  return {
    dagId,
    is_paused: a.is_paused ?? false,
    is_stale: a.is_stale ?? false,
    has_import_errors: a.has_import_errors ?? false,
    tags: a.tags ?? [],
    owners: a.owners ?? ['airflow'],
    next: a.next_dagrun_run_after ?? null,
    timetable_summary: a.timetable_summary ?? null,
    timetable_description: a.timetable_description === undefined ? 'Never, external triggers only' : a.timetable_description,
    description: a.description ?? null,
  };
}

/** Airflow 3.3's DAGResponse. */
export function dagV2(dagId: string, attributes?: FakeDagAttributes): Record<string, unknown> {
  const d = model(dagId, attributes);
  const fileloc = `/opt/airflow/dags/${dagId}.py`;
  return {
    dag_id: dagId,
    dag_display_name: dagId,
    is_paused: d.is_paused,
    is_stale: d.is_stale,
    last_parsed_time: iso(PARSED_MS),
    last_parse_duration: 0.05,
    last_expired: null,
    bundle_name: 'dags-folder',
    bundle_version: null,
    relative_fileloc: `${dagId}.py`,
    fileloc,
    description: d.description,
    timetable_summary: d.timetable_summary,
    timetable_description: d.timetable_description,
    timetable_partitioned: false,
    timetable_periodic: d.timetable_summary !== null,
    // DAGResponse sorts its tags by name.
    tags: [...d.tags].sort().map((name) => ({ name, dag_id: dagId, dag_display_name: dagId })),
    max_active_tasks: 16,
    max_active_runs: 16,
    max_consecutive_failed_dag_runs: 0,
    has_task_concurrency_limits: false,
    has_import_errors: d.has_import_errors,
    next_dagrun_logical_date: d.next,
    next_dagrun_data_interval_start: d.next,
    next_dagrun_data_interval_end: d.next,
    next_dagrun_run_after: d.next,
    allowed_run_types: null,
    owners: d.owners,
    is_backfillable: d.timetable_summary !== null,
    file_token: Buffer.from(fileloc).toString('base64url'),
  };
}

/** Airflow 2.10's DAG schema (DAGSchema, as its documented API lists it). */
export function dagV1(dagId: string, attributes?: FakeDagAttributes): Record<string, unknown> {
  const d = model(dagId, attributes);
  const next = airflow2Time(d.next);
  const fileloc = `/opt/airflow/dags/${dagId}.py`;
  return {
    dag_id: dagId,
    dag_display_name: dagId,
    root_dag_id: null,
    is_paused: d.is_paused,
    is_active: !d.is_stale,
    is_subdag: false,
    last_parsed_time: airflow2Time(iso(PARSED_MS)),
    last_pickled: null,
    last_expired: null,
    scheduler_lock: null,
    pickle_id: null,
    default_view: 'grid',
    fileloc,
    file_token: Buffer.from(fileloc).toString('base64url'),
    owners: d.owners,
    description: d.description,
    schedule_interval: d.timetable_summary === null ? null : { __type: 'CronExpression', value: d.timetable_summary },
    timetable_description: d.timetable_description,
    tags: d.tags.map((name) => ({ name })),
    max_active_tasks: 16,
    max_active_runs: 16,
    max_consecutive_failed_dag_runs: 0,
    has_task_concurrency_limits: false,
    has_import_errors: d.has_import_errors,
    next_dagrun: next,
    next_dagrun_data_interval_start: next,
    next_dagrun_data_interval_end: next,
    next_dagrun_create_after: next,
  };
}

/** SQL LIKE (`%`, `_`) as a case-insensitive test, as ILIKE. */
function ilike(pattern: string): (s: string) => boolean {
  const body = [...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  const re = new RegExp(`^${body}$`, 'is');
  return (s) => re.test(s);
}

/** Airflow 3's `*_pattern`: ILIKE '%term%', `|` between terms is OR, `~` matches all. */
function substringSearch(value: string): (s: string) => boolean {
  const raw = value === '~' ? '%' : value;
  const terms = raw.includes('|')
    ? raw
        .split('|')
        .map((t) => t.trim())
        .filter(Boolean)
    : [raw];
  const tests = (terms.length > 0 ? terms : [raw]).map((t) => ilike(`%${t}%`));
  return (s) => tests.some((t) => t(s));
}

/** Airflow 3's `*_prefix_pattern`: case-sensitive prefix, trailing non-alphanumerics dropped, `|` is OR, `~` all. */
function prefixSearch(value: string): (s: string) => boolean {
  const raw = value === '~' ? '' : value;
  const terms = raw.includes('|')
    ? raw
        .split('|')
        .map((t) => t.trim())
        .filter(Boolean)
    : [raw];
  const prefixes = (terms.length > 0 ? terms : [raw]).map((t) => t.replace(/[^\p{L}\p{N}]+$/u, ''));
  return (s) => prefixes.some((p) => s.startsWith(p));
}

/** The parameters Airflow 2.10's spec declares for GET /dags (connexion refuses any other). */
const V1_DAG_LIST_PARAMS = ['limit', 'offset', 'order_by', 'tags', 'only_active', 'paused', 'fields', 'dag_id_pattern'];

type DagOrder = { by: (d: DagModel) => string | null; desc: boolean }[];

/** `order_by` of the DAG list: the attributes emulated (v2: dag_id, dag_display_name, next_dagrun; v1: dag_id); a string is the 400's detail. */
function dagOrder(v: FakeApiVersion, orderBy: readonly string[]): DagOrder | string {
  const given = orderBy.length === 0 ? ['dag_id'] : v === 'v1' ? orderBy.slice(0, 1) : orderBy;
  const order: DagOrder = [];
  for (const item of given) {
    const name = item.replace(/^-+/, '');
    const by =
      name === 'dag_id' || (v === 'v2' && name === 'dag_display_name')
        ? (d: DagModel) => d.dagId
        : v === 'v2' && name === 'next_dagrun'
          ? (d: DagModel) => d.next
          : undefined;
    if (!by) return `Ordering with '${name}' is disallowed or the attribute does not exist on the model`;
    order.push({ by, desc: item.startsWith('-') });
  }
  // Airflow 3 appends the primary key in the first key's direction.
  if (v === 'v2') order.push({ by: (d) => d.dagId, desc: order[0].desc });
  return order;
}

/**
 * GET /api/{v}/dags over the DAGs `dagIds` (sorted), each with its attributes. v2 (Airflow 3.3): limit,
 * offset, tags with tags_match_mode, owners, dag_id_pattern, dag_id_prefix_pattern (and their
 * dag_display_name twins: the display name is the id here), paused, exclude_stale (true by default),
 * has_import_errors, order_by. v1 (Airflow 2.10): limit, offset, tags (any), only_active (true by
 * default), paused, dag_id_pattern (ILIKE), order_by (dag_id), fields.
 */
export function listDags(
  v: FakeApiVersion,
  dagIds: readonly string[],
  attributesOf: (dagId: string) => FakeDagAttributes | undefined,
  q: Query,
): Reply {
  q.onlyV1(V1_DAG_LIST_PARAMS);
  const limit = q.limit();
  const offset = q.int('offset', 0);
  const tags = q.all('tags');
  const allTags = v === 'v2' && q.literal('tags_match_mode', ['any', 'all'] as const) === 'all';
  const owners = v === 'v2' ? q.all('owners').map((o) => o.toLowerCase()) : [];
  const paused = q.bool('paused');
  const hideStale = q.bool(v === 'v2' ? 'exclude_stale' : 'only_active') ?? true;
  const importErrors = v === 'v2' ? q.bool('has_import_errors') : undefined;
  const patterns: ((s: string) => boolean)[] = [];
  const idPattern = q.get('dag_id_pattern');
  if (idPattern !== undefined && (v === 'v2' || idPattern !== ''))
    patterns.push(v === 'v2' ? substringSearch(idPattern) : ilike(`%${idPattern}%`));
  if (v === 'v2') {
    for (const name of ['dag_display_name_pattern'] as const) {
      const value = q.get(name);
      if (value !== undefined) patterns.push(substringSearch(value));
    }
    for (const name of ['dag_id_prefix_pattern', 'dag_display_name_prefix_pattern'] as const) {
      const value = q.get(name);
      if (value !== undefined) patterns.push(prefixSearch(value));
    }
  }
  const order = dagOrder(v, q.all('order_by'));
  if (typeof order === 'string') return badRequest(v, order);

  const NONE: FakeDagAttributes = {};
  const matching = dagIds.filter((id) => {
    const a = attributesOf(id) ?? NONE;
    const dagTags = a.tags ?? [];
    return (
      (!hideStale || !(a.is_stale ?? false)) &&
      (paused === undefined || (a.is_paused ?? false) === paused) &&
      (importErrors === undefined || (a.has_import_errors ?? false) === importErrors) &&
      patterns.every((p) => p(id)) &&
      (tags.length === 0 || (allTags ? tags.every((t) => dagTags.includes(t)) : tags.some((t) => dagTags.includes(t)))) &&
      // DagModel.owners is one comma-joined string, matched with ILIKE '%owner%'.
      (owners.length === 0 || owners.some((o) => (a.owners ?? ['airflow']).join(', ').toLowerCase().includes(o)))
    );
  });
  // dagIds come sorted by id: the default order needs no sort.
  const sorted =
    q.all('order_by').length === 0
      ? matching
      : matching
          .map((id) => model(id, attributesOf(id)))
          .sort((a, b) => {
            for (const { by, desc } of order) {
              const x = by(a);
              const y = by(b);
              const c = x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
              if (c !== 0) return desc ? -c : c;
            }
            return 0;
          })
          .map((d) => d.dagId);
  const page = sorted.slice(offset, offset + limit);
  let bodies = page.map((id) => (v === 'v2' ? dagV2(id, attributesOf(id)) : dagV1(id, attributesOf(id))));
  // v1's `fields`: only those fields of each DAG (a list, comma-separated or repeated).
  const fields =
    v === 'v1'
      ? q
          .all('fields')
          .flatMap((f) => f.split(','))
          .filter(Boolean)
      : [];
  if (fields.length > 0) {
    const unknown = fields.filter((f) => !Object.hasOwn(dagV1('x'), f));
    if (unknown.length > 0) {
      return problem(
        400,
        'DAGCollectionSchema init error',
        `Invalid fields for <DAGSchema(many=False)>: {${unknown.map((f) => `'${f}'`).join(', ')}}.`,
        'BadRequest',
      );
    }
    bodies = bodies.map((b) => Object.fromEntries(fields.map((f) => [f, b[f]])));
  }
  return json({ dags: bodies, total_entries: matching.length });
}
