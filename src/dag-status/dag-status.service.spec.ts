import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import type { AirflowRepository } from '../airflow/airflow.repository.js';
import { AirflowAuthError, AirflowUnreachableError, DagNotFoundError } from '../airflow/airflow.errors.js';
import type { DagRun } from '../airflow/airflow.types.js';
import type { AllConfig } from '../config/config.type.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { DagStatusService } from './dag-status.service.js';

function run(state: string, runId = 'r1'): DagRun {
  return { dagId: 'Airflow_Lab2', runId, state, logicalDate: null, runAfter: '2026-01-01T00:00:00Z', startDate: null, endDate: null, note: null, runType: 'manual' };
}

describe('DagStatusService', () => {
  let listRuns: jest.Mock<(dagId: string, limit: number) => Promise<DagRun[]>>;
  let service: DagStatusService;

  beforeEach(() => {
    listRuns = jest.fn();
    const client = { listRuns, uiUrl: (dag: string, id: string | null) => `ui/${dag}/${id ?? ''}` } as unknown as AirflowRepository;
    const config = {
      getOrThrow: () => ({ targetDagId: 'Airflow_Lab2', allowedDagIds: ['Airflow_Lab2', 'other'], cacheTtlMs: 60_000 }),
    } as unknown as ConfigService<AllConfig, true>;
    const metrics = { recordCacheLookup: jest.fn(), recordDagState: jest.fn() } as unknown as MetricsService;
    service = new DagStatusService(client, metrics, config);
  });

  it.each([
    ['success', 'success', null],
    ['failed', 'failure', 'failed'],
    ['running', 'failure', 'running'],
    ['queued', 'failure', 'queued'],
    ['up_for_retry', 'failure', 'other_state'],
  ])('turns a %s run into %s (%s)', async (state, outcome, reason) => {
    listRuns.mockResolvedValue([run(state)]);
    const verdict = await service.verdict();
    expect(verdict).toMatchObject({ outcome, reason, dagId: 'Airflow_Lab2', airflowUrl: 'ui/Airflow_Lab2/r1' });
  });

  it('says when there is no run yet', async () => {
    listRuns.mockResolvedValue([]);
    expect(await service.verdict()).toMatchObject({ outcome: 'failure', reason: 'no_run', run: null, explanation: 'The DAG has no run yet.' });
  });

  it.each([
    [new AirflowUnreachableError('x'), 'airflow_unreachable'],
    [new AirflowAuthError('x'), 'airflow_auth_refused'],
    [new DagNotFoundError('Airflow_Lab2'), 'dag_not_found'],
  ])('explains an Airflow failure (%s) instead of throwing', async (error, reason) => {
    listRuns.mockRejectedValue(error);
    expect(await service.verdict()).toMatchObject({ outcome: 'failure', reason, run: null });
  });

  it('answers a DAG outside ALLOWED_DAG_IDS like an unknown one, without asking Airflow', async () => {
    await expect(service.getStatus('secret_dag')).rejects.toBeInstanceOf(DagNotFoundError);
    expect(listRuns).not.toHaveBeenCalled();
  });

  it('shares the latest-run read between the status and the pages', async () => {
    listRuns.mockResolvedValue([run('success')]);
    await Promise.all([service.getStatus('Airflow_Lab2'), service.verdict(), service.getStatus('Airflow_Lab2')]);
    expect(listRuns).toHaveBeenCalledTimes(1);
    expect(listRuns).toHaveBeenCalledWith('Airflow_Lab2', 1);
    await service.listRuns('Airflow_Lab2', 5);
    expect(listRuns).toHaveBeenLastCalledWith('Airflow_Lab2', 5);
  });

  it('peeks at a cached latest run without asking Airflow, one object per cached read', async () => {
    expect(service.peekStatus('Airflow_Lab2')).toBeUndefined();
    listRuns.mockResolvedValue([run('success')]);
    const fetched = await service.getStatus('Airflow_Lab2');
    const peeked = service.peekStatus('Airflow_Lab2');
    expect(peeked).toBe(fetched);
    expect(service.peekStatus('Airflow_Lab2')).toBe(peeked);
    expect(listRuns).toHaveBeenCalledTimes(1);
  });

  it('never peeks outside ALLOWED_DAG_IDS, nor at a cached failure', async () => {
    expect(service.peekStatus('secret_dag')).toBeUndefined();
    listRuns.mockRejectedValue(new AirflowUnreachableError('x'));
    await expect(service.getStatus('other')).rejects.toBeInstanceOf(AirflowUnreachableError);
    expect(service.peekStatus('other')).toBeUndefined();
  });
});
