import { beforeAll, describe, expect, it } from '@jest/globals';
import { parseDagAttributes, parseRunCollection, parseToken } from '../src/airflow/airflow.responses.js';
import { loadAirflowSpec, type AirflowSpec, type JsonSchema } from './fake-airflow/airflow-spec.js';
import { FakeAirflow } from './fake-airflow/fake-airflow.js';

/**
 * The client reads only a few fields of Airflow's answers; this pins them to the
 * official OpenAPI document of the installed, pinned Airflow, so an Airflow
 * upgrade that renames or retypes one fails here and not in production.
 */
let spec: AirflowSpec;
const schemas = (): Record<string, JsonSchema> => spec.core.components?.schemas ?? {};

function property(schema: string, name: string): { required: boolean; types: string[] } {
  const s = schemas()[schema] as { properties: Record<string, JsonSchema>; required?: string[] };
  const prop = s.properties[name];
  if (!prop) throw new Error(`${schema}.${name} is not in the spec`);
  const variants = (prop.anyOf as JsonSchema[] | undefined) ?? [prop];
  return { required: (s.required ?? []).includes(name), types: variants.map((v) => String(v.type ?? v.$ref)) };
}

beforeAll(async () => {
  spec = await loadAirflowSpec();
});

describe('the fields the client reads, in the official Airflow spec', () => {
  it.each([
    ['dag_run_id', ['string'], true],
    ['dag_id', ['string'], true],
    ['run_after', ['string'], true],
    ['logical_date', ['string', 'null'], true],
    ['start_date', ['string', 'null'], true],
    ['end_date', ['string', 'null'], true],
    ['note', ['string', 'null'], true],
  ] as const)('DAGRunResponse.%s is %j (required: %s)', (name, types, required) => {
    const found = property('DAGRunResponse', name);
    expect(found.types.sort()).toEqual([...types].sort());
    expect(found.required).toBe(required);
  });

  it('DAGRunResponse.state and run_type are required enums of strings', () => {
    expect(property('DAGRunResponse', 'state').required).toBe(true);
    expect(property('DAGRunResponse', 'run_type').required).toBe(true);
    const states = schemas().DagRunState as { enum: string[] };
    expect(states.enum).toEqual(expect.arrayContaining(['queued', 'running', 'success', 'failed']));
  });

  it('the run list has dag_runs (total_entries, optional and nullable since 3.3, is not read), and DAGResponse has dag_id and is_paused', () => {
    expect(property('DAGRunCollectionResponse', 'dag_runs').required).toBe(true);
    expect(property('DAGRunCollectionResponse', 'total_entries')).toEqual({ required: false, types: ['integer', 'null'] });
    expect(property('DAGResponse', 'dag_id').types).toEqual(['string']);
    expect(property('DAGResponse', 'is_paused').types).toEqual(['boolean']);
  });

  it('lists run_after among the order_by attributes of GET /dags/{dag_id}/dagRuns', () => {
    const operation = spec.core.paths['/api/v2/dags/{dag_id}/dagRuns']?.get as {
      parameters: Array<{ name: string; description?: string }>;
    };
    const orderBy = operation.parameters.find((p) => p.name === 'order_by');
    expect(orderBy?.description).toMatch(/\brun_after\b/);
  });

  it('the mirror reads changes across every DAG: updated_at_gte, order_by id, limit, offset and (3.3) cursor with next_cursor', () => {
    const operation = spec.core.paths['/api/v2/dags/{dag_id}/dagRuns']?.get as {
      parameters: Array<{ name: string; description?: string }>;
    };
    const names = operation.parameters.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['updated_at_gte', 'order_by', 'limit', 'offset', 'cursor']));
    expect(operation.parameters.find((p) => p.name === 'order_by')?.description).toMatch(/\bid\b/);
    expect(property('DAGRunCollectionResponse', 'next_cursor')).toEqual({ required: false, types: ['string', 'null'] });
  });

  it("the mirror reads a DAG's past (issue 20): run_after_gte, order_by run_after, limit and offset", () => {
    const operation = spec.core.paths['/api/v2/dags/{dag_id}/dagRuns']?.get as {
      parameters: Array<{ name: string; description?: string }>;
    };
    expect(operation.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['run_after_gte', 'order_by', 'limit', 'offset']));
  });

  it.each([
    ['is_paused', ['boolean']],
    ['has_import_errors', ['boolean']],
    ['next_dagrun_run_after', ['null', 'string']],
    ['tags', ['array']],
    ['owners', ['array']],
    ['timetable_summary', ['null', 'string']],
    ['relative_fileloc', ['null', 'string']],
  ] as const)('the DAG list gives DAGResponse.%s as %j', (name, types) => {
    expect(property('DAGResponse', name).types.sort()).toEqual([...types]);
    const list = spec.core.paths['/api/v2/dags']?.get as { parameters: Array<{ name: string }> };
    expect(list.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['limit', 'offset']));
  });

  it.each([
    ['DAGResponse', 'is_stale', ['boolean'], true],
    ['DAGResponse', 'bundle_name', ['null', 'string'], true],
    ['ImportErrorCollectionResponse', 'import_errors', ['array'], true],
    ['ImportErrorResponse', 'filename', ['string'], true],
    ['ImportErrorResponse', 'bundle_name', ['null', 'string'], true],
    ['ImportErrorResponse', 'stack_trace', ['string'], true],
    ['HealthInfoResponse', 'scheduler', ['#/components/schemas/SchedulerInfoResponse'], true],
    ['HealthInfoResponse', 'dag_processor', ['#/components/schemas/DagProcessorInfoResponse', 'null'], false],
    ['SchedulerInfoResponse', 'status', ['null', 'string'], true],
    ['SchedulerInfoResponse', 'latest_scheduler_heartbeat', ['null', 'string'], true],
    ['DagProcessorInfoResponse', 'status', ['null', 'string'], true],
    ['DagProcessorInfoResponse', 'latest_dag_processor_heartbeat', ['null', 'string'], true],
  ] as const)('issue 18 reads %s.%s as %j (required: %s)', (schema, name, types, required) => {
    const found = property(schema, name);
    expect(found.types.sort()).toEqual([...types].sort());
    expect(found.required).toBe(required);
  });

  it('lists import errors by limit and offset, and the DAG list takes exclude_stale (stale DAGs: a file that fails to import)', () => {
    const parameters = (path: string) =>
      (spec.core.paths[path]?.get as { parameters: Array<{ name: string }> }).parameters.map((p) => p.name);
    expect(parameters('/api/v2/importErrors')).toEqual(expect.arrayContaining(['limit', 'offset']));
    expect(parameters('/api/v2/dags')).toContain('exclude_stale');
  });

  it('the token answer carries access_token', () => {
    const login = spec.simpleAuth.components?.schemas?.LoginResponse as { properties: Record<string, unknown>; required: string[] };
    expect(login.required).toContain('access_token');
  });

  it('parses spec-valid answers (as the fake serves them) into what the service uses', () => {
    const run = FakeAirflow.run({ dag_id: 'd', logical_date: null, state: 'running', note: 'n' });
    const [parsed] = parseRunCollection('v2', { dag_runs: [run], total_entries: 1 });
    expect(parsed).toEqual({
      dagId: 'd',
      runId: run.dag_run_id,
      state: 'running',
      logicalDate: null,
      runAfter: run.run_after,
      startDate: run.start_date,
      endDate: null,
      note: 'n',
      runType: run.run_type,
    });
    expect(parseDagAttributes('v2', { dag_id: 'd', is_paused: true })).toMatchObject({ dagId: 'd', isPaused: true });
    expect(parseToken({ access_token: 'x.y.z' })).toBe('x.y.z');
  });
});
