import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { HttpService } from '@nestjs/axios';
import type { AxiosResponse } from 'axios';
import { configOf } from '../config/config.fixtures.js';
import { AIRFLOW_CONFIG } from './airflow.fixtures.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { AirflowAuthError, AirflowBadResponseError, AirflowConfigMismatchError, DagNotFoundError } from './airflow.errors.js';
import { AirflowRepository } from './airflow.repository.js';
import type { AirflowApiCall, AirflowSession } from './airflow.session.js';
import { AirflowTransport } from './airflow.transport.js';
import type { AirflowApiVersion, AirflowConnectionInfo } from './airflow.types.js';

function answer(status: number, data: unknown = {}): AxiosResponse {
  return { status, data, headers: { 'content-type': 'application/json' } } as unknown as AxiosResponse;
}

const RUN = {
  dag_id: 'my.dag',
  dag_run_id: 'manual__2026-01-01T00:00:00+00:00',
  state: 'success',
  logical_date: null,
  run_after: '2026-01-01T00:00:00Z',
  start_date: '2026-01-01T00:00:01Z',
  end_date: '2026-01-01T00:00:09Z',
  note: null,
  run_type: 'manual',
};

describe('AirflowRepository', () => {
  let version: AirflowApiVersion;
  let send: jest.Mock<(call: AirflowApiCall) => Promise<AxiosResponse>>;
  let repository: AirflowRepository;
  let session: AirflowSession;
  let http: HttpService;

  beforeEach(() => {
    version = 'v2';
    send = jest.fn();
    session = {
      apiVersion: async () => version,
      send,
      connectionInfo: (): AirflowConnectionInfo => ({ baseUrl: 'http://airflow:8080', apiVersion: version, authScheme: 'jwt' }),
    } as unknown as AirflowSession;
    // The real judge of answers; it never sends anything here, the mocked session does.
    http = { axiosRef: { request: () => Promise.reject(new Error('no HTTP in this test')) } } as unknown as HttpService;
    const config = configOf({ airflow: AIRFLOW_CONFIG, dagStatus: { targetDagId: 'Airflow_Lab2' } });
    const transport = new AirflowTransport(http, {} as MetricsService, config);
    repository = new AirflowRepository(session, transport, config);
  });

  describe("listRunsChanged (the mirror's changes feed)", () => {
    const dated = (data: unknown): AxiosResponse =>
      ({
        status: 200,
        data,
        headers: { 'content-type': 'application/json', date: 'Tue, 01 Dec 2026 12:00:07 GMT' },
      }) as unknown as AxiosResponse;

    it("asks Airflow 3 for every DAG's runs changed since the watermark, by id, with a cursor, and reads Airflow's clock", async () => {
      send.mockResolvedValue(dated({ dag_runs: [RUN], total_entries: 1, next_cursor: 'abc' }));
      const page = await repository.listRunsChanged('2026-12-01T12:00:00.000Z', null);
      expect(send).toHaveBeenCalledWith(
        expect.objectContaining({
          path: '/dags/~/dagRuns',
          params: { order_by: 'id', limit: 100, offset: 0, updated_at_gte: '2026-12-01T12:00:00.000Z', cursor: '' },
        }),
      );
      expect(page).toMatchObject({ next: { cursor: 'abc' }, serverTime: Date.UTC(2026, 11, 1, 12, 0, 7) });
      expect(page.items).toHaveLength(1);
      send.mockResolvedValue(dated({ dag_runs: [], next_cursor: null }));
      await expect(repository.listRunsChanged('2026-12-01T12:00:00.000Z', { cursor: 'abc' })).resolves.toMatchObject({ next: null });
      expect(send).toHaveBeenLastCalledWith(expect.objectContaining({ params: expect.objectContaining({ cursor: 'abc' }) }));
    });

    it('pages by offset, with an overlap, where the server has no cursor (Airflow 2 gets no cursor parameter at all)', async () => {
      version = 'v1';
      const full = Array.from({ length: 100 }, () => ({ ...RUN, execution_date: '2026-01-01T00:00:00+00:00' }));
      send.mockResolvedValue(dated({ dag_runs: full, total_entries: 300 }));
      const page = await repository.listRunsChanged('2026-12-01T12:00:00.000Z', { offset: 95 });
      expect(send.mock.calls[0][0].params).toEqual({ order_by: 'id', limit: 100, offset: 95, updated_at_gte: '2026-12-01T12:00:00.000Z' });
      expect(page.next).toEqual({ offset: 190 });
      send.mockResolvedValue(dated({ dag_runs: full.slice(0, 3), total_entries: 300 }));
      await expect(repository.listRunsChanged(null, { offset: 190 })).resolves.toMatchObject({ next: null });
    });

    it('names the Airflow 2 version it needs when the server refuses the updated_at filter', async () => {
      version = 'v1';
      send.mockResolvedValue(answer(400, { detail: 'Extra query parameter(s) updated_at_gte not in spec' }));
      await expect(repository.listRunsChanged(null, null)).rejects.toThrow(
        new AirflowConfigMismatchError(
          'This Airflow 2 cannot list runs by updated_at (added in Airflow 2.6); the service needs Airflow 2.6 or later',
        ),
      );
    });

    it('has no clock without a Date header', async () => {
      send.mockResolvedValue(answer(200, { dag_runs: [] }));
      await expect(repository.listRunsChanged(null, null)).resolves.toMatchObject({ serverTime: null, next: null });
    });
  });

  describe('listDags', () => {
    it('pages through the DAG list and reads the attributes the mirror watches', async () => {
      const dags = Array.from({ length: 100 }, (_, i) => ({
        dag_id: `d${i}`,
        is_paused: i === 0,
        tags: [{ name: 'x', dag_id: `d${i}` }],
        owners: ['me'],
      }));
      send.mockResolvedValue(answer(200, { dags, total_entries: 150 }));
      const page = await repository.listDags(0);
      expect(send.mock.calls[0][0]).toMatchObject({ path: '/dags', endpoint: 'list_dags', params: { limit: 100, offset: 0 } });
      expect(page).toMatchObject({ next: { offset: 100 }, total: 150 });
      expect(page.items[0]).toMatchObject({ dagId: 'd0', isPaused: true, tags: ['x'], owners: ['me'] });
      send.mockResolvedValue(answer(200, { dags: dags.slice(0, 50), total_entries: 150 }));
      await expect(repository.listDags(100)).resolves.toMatchObject({ next: null });
    });

    it("asks Airflow 3 for stale DAGs too (a file that fails to import makes its DAGs stale), not Airflow 2's strict API", async () => {
      send.mockResolvedValue(answer(200, { dags: [{ dag_id: 'd', is_stale: true, has_import_errors: true, bundle_name: 'b' }] }));
      const page = await repository.listDags(0);
      expect(send.mock.calls[0][0].params).toEqual({ limit: 100, offset: 0, exclude_stale: 'false' });
      expect(page.items[0]).toMatchObject({ isStale: true, hasImportErrors: true, bundleName: 'b' });
      version = 'v1';
      send.mockResolvedValue(answer(200, { dags: [{ dag_id: 'd', is_active: false }] }));
      await expect(repository.listDags(0)).resolves.toMatchObject({ items: [{ isStale: true, bundleName: null }] });
      expect(send.mock.calls[1][0].params).toEqual({ limit: 100, offset: 0 });
    });
  });

  describe('listImportErrors', () => {
    const TRACE = [
      'Traceback (most recent call last):',
      '  File "<frozen importlib._bootstrap>", line 241, in _call_with_frames_removed',
      '  File "/opt/airflow/dags/broken.py", line 3',
      '    def broken(',
      '              ^',
      "SyntaxError: '(' was never closed",
      '',
    ].join('\n');

    it('pages through the files that fail to import, each with the first line of its error', async () => {
      const errors = Array.from({ length: 100 }, (_, i) => ({
        import_error_id: i,
        timestamp: '2026-12-01T00:00:00Z',
        filename: `f${i}.py`,
        bundle_name: 'dags-folder',
        stack_trace: TRACE,
      }));
      send.mockResolvedValue(answer(200, { import_errors: errors, total_entries: 101 }));
      const page = await repository.listImportErrors(0);
      expect(send.mock.calls[0][0]).toMatchObject({
        path: '/importErrors',
        endpoint: 'list_import_errors',
        params: { limit: 100, offset: 0 },
      });
      expect(page).toMatchObject({ next: { offset: 100 }, total: 101 });
      expect(page.items[0]).toEqual({ filename: 'f0.py', bundleName: 'dags-folder', message: "SyntaxError: '(' was never closed" });
      send.mockResolvedValue(answer(200, { import_errors: [], total_entries: 101 }));
      await expect(repository.listImportErrors(100)).resolves.toMatchObject({ items: [], next: null });
    });

    it("keeps credentials, the configured password, control characters and length out of Airflow's text", async () => {
      const config = configOf({ airflow: { ...AIRFLOW_CONFIG, password: 'hunter2-long' }, dagStatus: { targetDagId: 'Airflow_Lab2' } });
      repository = new AirflowRepository(session, new AirflowTransport(http, {} as MetricsService, config), config);
      const trace = `Traceback (most recent call last):\n  File "x.py", line 1\nValueError: token=abc pw hunter2-long \u001b[31m${'x'.repeat(400)}`;
      send.mockResolvedValue(answer(200, { import_errors: [{ filename: 'x\u0000.py', bundle_name: null, stack_trace: trace }] }));
      const [error] = (await repository.listImportErrors(0)).items;
      expect(error.filename).toBe('x.py');
      expect(error.message).toMatch(/^ValueError: token=\[REDACTED\] pw \[REDACTED\] \[31mx+…$/);
      expect([...error.message]).toHaveLength(200);
    });

    it('says a 403 or 404 of the import errors alone, without marking Airflow down', async () => {
      send.mockResolvedValue(answer(403, { detail: 'Forbidden' }));
      await expect(repository.listImportErrors(0)).rejects.toBeInstanceOf(AirflowAuthError);
      send.mockResolvedValue(answer(404, { detail: 'Not Found' }));
      await expect(repository.listImportErrors(0)).rejects.toThrow('Airflow has no list_import_errors (HTTP 404)');
    });

    it('refuses an answer that is not an import error list', async () => {
      send.mockResolvedValue(answer(200, { import_errors: [{ filename: 3 }] }));
      await expect(repository.listImportErrors(0)).rejects.toBeInstanceOf(AirflowBadResponseError);
    });
  });

  describe('health', () => {
    it("reads the scheduler's and the DAG processor's heartbeats, at each version's path", async () => {
      send.mockResolvedValue(
        answer(200, {
          metadatabase: { status: 'healthy' },
          scheduler: { status: 'unhealthy', latest_scheduler_heartbeat: '2026-12-01T00:00:00+00:00' },
          triggerer: { status: null, latest_triggerer_heartbeat: null },
          dag_processor: { status: 'healthy', latest_dag_processor_heartbeat: '2026-12-01T00:05:00+00:00' },
        }),
      );
      await expect(repository.health()).resolves.toEqual({
        scheduler: { healthy: false, latestHeartbeat: '2026-12-01T00:00:00+00:00' },
        dagProcessor: { healthy: true, latestHeartbeat: '2026-12-01T00:05:00+00:00' },
      });
      expect(send.mock.calls[0][0]).toMatchObject({ path: '/monitor/health', endpoint: 'health' });
      version = 'v1';
      send.mockResolvedValue(
        answer(200, { metadatabase: { status: 'healthy' }, scheduler: { status: null, latest_scheduler_heartbeat: null } }),
      );
      await expect(repository.health()).resolves.toEqual({ scheduler: { healthy: null, latestHeartbeat: null }, dagProcessor: null });
      expect(send.mock.calls[1][0]).toMatchObject({ path: '/health' });
    });

    it('refuses a health answer without a scheduler', async () => {
      send.mockResolvedValue(answer(200, { metadatabase: { status: 'healthy' } }));
      await expect(repository.health()).rejects.toBeInstanceOf(AirflowBadResponseError);
    });
  });

  describe('listRuns', () => {
    it('asks Airflow 3 for the newest runs by run_after', async () => {
      send.mockResolvedValue(answer(200, { dag_runs: [RUN], total_entries: 1 }));
      const runs = await repository.listRuns('my.dag', 5);
      expect(send).toHaveBeenCalledWith({
        method: 'GET',
        path: '/dags/my.dag/dagRuns',
        endpoint: 'list_dag_runs',
        params: { order_by: '-run_after', limit: 5 },
        // The answer's deadline (issue #11: AIRFLOW_TIMEOUT_MS bounds the whole answer).
        deadline: expect.any(Number),
      });
      expect(runs).toEqual([
        {
          dagId: 'my.dag',
          runId: RUN.dag_run_id,
          state: 'success',
          logicalDate: null,
          runAfter: RUN.run_after,
          startDate: RUN.start_date,
          endDate: RUN.end_date,
          note: null,
          runType: 'manual',
        },
      ]);
    });

    it('asks Airflow 2 for the newest runs by execution_date', async () => {
      version = 'v1';
      // An Airflow 2.0/2.1 run: no run_after, no logical_date, only execution_date.
      const v1Run = { dag_id: 'my.dag', dag_run_id: 'scheduled__x', state: 'failed', execution_date: '2026-01-01T00:00:00Z' };
      send.mockResolvedValue(answer(200, { dag_runs: [v1Run], total_entries: 1 }));
      const [run] = await repository.listRuns('my.dag', 1);
      expect(send).toHaveBeenCalledWith(expect.objectContaining({ params: { order_by: '-execution_date', limit: 1 } }));
      expect(run).toMatchObject({ logicalDate: '2026-01-01T00:00:00Z', runAfter: null });
    });

    it('says when Airflow does not know the DAG', async () => {
      send.mockResolvedValue(answer(404, { detail: 'DAG not found' }));
      await expect(repository.listRuns('gone', 1)).rejects.toThrow(new DagNotFoundError('gone'));
    });

    it('on Airflow 2, which lists no runs for an unknown DAG, asks for the DAG when there are none', async () => {
      version = 'v1';
      send.mockResolvedValueOnce(answer(200, { dag_runs: [], total_entries: 0 }));
      send.mockResolvedValueOnce(answer(404, { title: 'DAG not found' }));
      await expect(repository.listRuns('gone', 1)).rejects.toThrow(new DagNotFoundError('gone'));
      expect(send).toHaveBeenLastCalledWith({
        method: 'GET',
        path: '/dags/gone',
        endpoint: 'get_dag',
        deadline: expect.any(Number),
        priority: true,
      });
      send.mockResolvedValueOnce(answer(200, { dag_runs: [], total_entries: 0 }));
      send.mockResolvedValueOnce(answer(200, { dag_id: 'idle', is_paused: false }));
      await expect(repository.listRuns('idle', 1)).resolves.toEqual([]);
    });

    it('refuses an answer that is not a run list', async () => {
      send.mockResolvedValue(answer(200, { runs: [] }));
      await expect(repository.listRuns('my.dag', 1)).rejects.toBeInstanceOf(AirflowBadResponseError);
    });
  });

  describe("listRunsDueSince (a DAG's past, issue 20)", () => {
    it('asks Airflow 3 for a page of the runs due since a time, newest first by run_after, and pages on with an overlap', async () => {
      send.mockResolvedValue(answer(200, { dag_runs: Array.from({ length: 100 }, () => RUN), total_entries: 720 }));
      const page = await repository.listRunsDueSince('my.dag', '2026-11-03T12:00:00.000Z', 190);
      expect(send).toHaveBeenCalledWith({
        method: 'GET',
        path: '/dags/my.dag/dagRuns',
        endpoint: 'list_dag_runs',
        params: { run_after_gte: '2026-11-03T12:00:00.000Z', order_by: '-run_after', limit: 100, offset: 190 },
        deadline: expect.any(Number),
      });
      expect(page.items).toHaveLength(100);
      expect(page.next).toEqual({ offset: 285 });
      send.mockResolvedValue(answer(200, { dag_runs: [RUN], total_entries: 1 }));
      await expect(repository.listRunsDueSince('my.dag', '2026-11-03T12:00:00.000Z', 285)).resolves.toMatchObject({ next: null });
    });

    it('asks Airflow 2 by execution_date, and reads when each run was due from its data_interval_end', async () => {
      version = 'v1';
      const v1Run = {
        dag_id: 'my.dag',
        dag_run_id: 'scheduled__2026-11-30T00:00:00+00:00',
        state: 'success',
        execution_date: '2026-11-30T00:00:00+00:00',
        logical_date: '2026-11-30T00:00:00+00:00',
        data_interval_end: '2026-12-01T00:00:00+00:00',
      };
      send.mockResolvedValue(answer(200, { dag_runs: [v1Run], total_entries: 1 }));
      const page = await repository.listRunsDueSince('my.dag', '2026-11-03T12:00:00.000Z', 0);
      expect(send.mock.calls[0][0].params).toEqual({
        execution_date_gte: '2026-11-03T12:00:00.000Z',
        order_by: '-execution_date',
        limit: 100,
        offset: 0,
      });
      expect(page.items[0]).toMatchObject({ runAfter: null, dataIntervalEnd: '2026-12-01T00:00:00+00:00' });
    });

    it('says when Airflow does not know the DAG, and refuses an answer that is not a run list', async () => {
      send.mockResolvedValue(answer(404, { detail: 'DAG not found' }));
      await expect(repository.listRunsDueSince('gone', '2026-11-03T12:00:00.000Z', 0)).rejects.toThrow(new DagNotFoundError('gone'));
      send.mockResolvedValue(answer(200, { dag_runs: [{ ...RUN, run_after: 7 }] }));
      await expect(repository.listRunsDueSince('my.dag', '2026-11-03T12:00:00.000Z', 0)).rejects.toBeInstanceOf(AirflowBadResponseError);
    });
  });

  describe('listRuns with a state filter', () => {
    it('sends the states as Airflow reads a list', async () => {
      send.mockResolvedValue(answer(200, { dag_runs: [RUN], total_entries: 1 }));
      await repository.listRuns('my.dag', 1, ['success']);
      expect(send).toHaveBeenCalledWith(expect.objectContaining({ params: { order_by: '-run_after', limit: 1, state: ['success'] } }));
    });
  });

  describe('listTaskInstances', () => {
    it("asks for a run's task instances in the given states and reads their ids", async () => {
      send.mockResolvedValue(
        answer(200, {
          task_instances: [
            { task_id: 'train', state: 'failed', map_index: -1 },
            { task_id: 'evaluate', state: 'upstream_failed', map_index: -1 },
          ],
          total_entries: 2,
        }),
      );
      const tasks = await repository.listTaskInstances('my.dag', 'manual__1', ['failed', 'upstream_failed']);
      expect(send).toHaveBeenCalledWith({
        method: 'GET',
        path: '/dags/my.dag/dagRuns/manual__1/taskInstances',
        endpoint: 'list_task_instances',
        params: { state: ['failed', 'upstream_failed'], limit: 100 },
        deadline: expect.any(Number),
      });
      expect(tasks).toEqual([
        { taskId: 'train', state: 'failed', mapIndex: -1 },
        { taskId: 'evaluate', state: 'upstream_failed', mapIndex: -1 },
      ]);
    });

    it('refuses an answer that is not a task instance list', async () => {
      send.mockResolvedValue(answer(200, { task_instances: [{ task_id: 3 }] }));
      await expect(repository.listTaskInstances('my.dag', 'r', ['failed'])).rejects.toBeInstanceOf(AirflowBadResponseError);
      send.mockResolvedValue(answer(200, { task_instances: [{ task_id: 't', state: null, map_index: 'x' }] }));
      await expect(repository.listTaskInstances('my.dag', 'r', ['failed'])).rejects.toBeInstanceOf(AirflowBadResponseError);
    });
  });

  describe('taskLogUrl', () => {
    it("links Airflow 3's task instance page (mapped ones by index), escaped", () => {
      expect(repository.taskLogUrl('my.dag', 'manual__a+b', 'train')).toBe(
        'http://airflow:8080/dags/my.dag/runs/manual__a%2Bb/tasks/train',
      );
      expect(repository.taskLogUrl('my.dag', 'r', 't', 2)).toBe('http://airflow:8080/dags/my.dag/runs/r/tasks/t/mapped/2');
    });

    it("links Airflow 2's grid on the log tab", () => {
      version = 'v1';
      expect(repository.taskLogUrl('my.dag', 'r 1', 'train')).toBe(
        'http://airflow:8080/dags/my.dag/grid?dag_run_id=r%201&task_id=train&tab=logs',
      );
    });
  });

  describe('getDag', () => {
    it('reads whether the DAG is paused', async () => {
      send.mockResolvedValue(answer(200, { dag_id: 'my.dag', is_paused: true }));
      await expect(repository.getDag('my.dag')).resolves.toMatchObject({ dagId: 'my.dag', isPaused: true });
      expect(send).toHaveBeenCalledWith({
        method: 'GET',
        path: '/dags/my.dag',
        endpoint: 'get_dag',
        deadline: expect.any(Number),
        priority: true,
      });
    });

    it('says when Airflow does not know the DAG', async () => {
      send.mockResolvedValue(answer(404));
      await expect(repository.getDag('gone')).rejects.toBeInstanceOf(DagNotFoundError);
    });
  });

  describe('uiUrl', () => {
    it("links Airflow 3's run and DAG pages", () => {
      expect(repository.uiUrl('my.dag', RUN.dag_run_id)).toBe(
        'http://airflow:8080/dags/my.dag/runs/manual__2026-01-01T00%3A00%3A00%2B00%3A00',
      );
      expect(repository.uiUrl('my.dag', null)).toBe('http://airflow:8080/dags/my.dag');
    });

    it("links Airflow 2's grid view", () => {
      version = 'v1';
      expect(repository.uiUrl('my.dag', 'scheduled__x')).toBe('http://airflow:8080/dags/my.dag/grid?dag_run_id=scheduled__x');
      expect(repository.uiUrl('my.dag', null)).toBe('http://airflow:8080/dags/my.dag/grid');
    });
  });

  it('tells what the session has worked out, without asking Airflow', () => {
    expect(repository.connectionInfo()).toEqual({ baseUrl: 'http://airflow:8080', apiVersion: 'v2', authScheme: 'jwt' });
    expect(send).not.toHaveBeenCalled();
  });
});
