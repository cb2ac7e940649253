import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import type { AirflowRepository } from '../airflow/airflow.repository.js';
import { AirflowAuthError, AirflowUnreachableError, DagNotFoundError, type AirflowError } from '../airflow/airflow.errors.js';
import type { DagRun } from '../airflow/airflow.types.js';
import type { AllConfig } from '../config/config.type.js';
import { DagStatusService } from './dag-status.service.js';
import type { DagSnapshot, DagStatusStore } from './dag-status.store.js';

function run(state: string, runId = 'r1'): DagRun {
  return {
    dagId: 'Airflow_Lab2',
    runId,
    state,
    logicalDate: null,
    runAfter: '2026-01-01T00:00:00Z',
    startDate: null,
    endDate: null,
    note: null,
    runType: 'manual',
  };
}

function snapshot(runs: DagRun[] | null, error: AirflowError | null = null): DagSnapshot {
  const status = runs === null ? null : { dagId: 'Airflow_Lab2', run: runs[0] ?? null, fetchedAt: '2026-12-01T00:00:00.000Z' };
  return {
    dagId: 'Airflow_Lab2',
    runs,
    error,
    status,
    json: null,
    pageSize: 1,
    fetchedAt: '2026-12-01T00:00:00.000Z',
    expiresAt: Infinity,
  };
}

describe('DagStatusService', () => {
  let read: jest.Mock<(dagId: string, runs?: number) => Promise<DagSnapshot>>;
  let service: DagStatusService;

  beforeEach(() => {
    read = jest.fn();
    const store = { read } as unknown as DagStatusStore;
    const client = { uiUrl: (dag: string, id: string | null) => `ui/${dag}/${id ?? ''}` } as unknown as AirflowRepository;
    const config = {
      getOrThrow: () => ({ targetDagId: 'Airflow_Lab2', allowedDagIds: ['Airflow_Lab2'], cacheTtlMs: 60_000 }),
    } as unknown as ConfigService<AllConfig, true>;
    service = new DagStatusService(store, client, config);
  });

  it.each([
    ['success', 'success', null],
    ['failed', 'failure', 'failed'],
    ['running', 'failure', 'running'],
    ['queued', 'failure', 'queued'],
    ['up_for_retry', 'failure', 'other_state'],
  ])('turns a %s run into %s (%s)', async (state, outcome, reason) => {
    read.mockResolvedValue(snapshot([run(state)]));
    const verdict = await service.verdict();
    expect(verdict).toMatchObject({ outcome, reason, dagId: 'Airflow_Lab2', airflowUrl: 'ui/Airflow_Lab2/r1' });
  });

  it('says when there is no run yet', async () => {
    read.mockResolvedValue(snapshot([]));
    expect(await service.verdict()).toMatchObject({
      outcome: 'failure',
      reason: 'no_run',
      run: null,
      explanation: 'The DAG has no run yet.',
    });
  });

  it.each([
    [new AirflowUnreachableError('x'), 'airflow_unreachable'],
    [new AirflowAuthError('x'), 'airflow_auth_refused'],
    [new DagNotFoundError('Airflow_Lab2'), 'dag_not_found'],
  ])('explains an Airflow failure (%s) instead of throwing', async (error, reason) => {
    read.mockResolvedValue(snapshot(null, error));
    expect(await service.verdict()).toMatchObject({ outcome: 'failure', reason, run: null, airflowUrl: 'ui/Airflow_Lab2/' });
  });

  it('hands the JSON API a successful snapshot, or throws the failure the store met', async () => {
    read.mockResolvedValue(snapshot([run('success')]));
    await expect(service.read('Airflow_Lab2', 5)).resolves.toMatchObject({ runs: [{ runId: 'r1' }] });
    expect(read).toHaveBeenCalledWith('Airflow_Lab2', 5);
    const down = new AirflowUnreachableError('x');
    read.mockResolvedValue(snapshot(null, down));
    await expect(service.read('Airflow_Lab2')).rejects.toBe(down);
  });
});
