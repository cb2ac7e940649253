import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { AirflowRepository } from '../airflow/airflow.repository.js';
import { AirflowAuthError, AirflowUnreachableError, DagNotFoundError, type AirflowError } from '../airflow/airflow.errors.js';
import { runOf } from '../airflow/airflow.fixtures.js';
import type { DagRun } from '../airflow/airflow.types.js';
import { configOf, dagStatusConfigOf } from '../config/config.fixtures.js';
import type { DagStatusConfig } from '../config/dag-status.config.js';
import { DagStatusService } from './dag-status.service.js';
import type { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';

const run = (state: string, runId = 'r1'): DagRun => runOf({ state, runId });

function snapshot(runs: DagRun[] | null, error: AirflowError | null = null): DagSnapshot {
  const status = runs === null ? null : { dagId: 'Airflow_Lab2', run: runs[0] ?? null, fetchedAt: '2026-12-01T00:00:00.000Z' };
  return {
    dagId: 'Airflow_Lab2',
    revision: 1,
    runs,
    error,
    status,
    attributes: null,
    importError: null,
    health: null,
    fetchedAt: '2026-12-01T00:00:00.000Z',
    expiresAt: Infinity,
    history: runs === null ? null : { lastFinished: null, lastSuccess: null, failedTasks: [] },
    lastKnown: null,
    failingSince: error === null ? null : '2026-12-01T00:00:00.000Z',
  };
}

function finished(state: 'success' | 'failed', runId: string, endDate: string): DagRun {
  return { ...run(state, runId), startDate: endDate, endDate };
}

const NOW = new Date('2026-12-03T00:00:00Z');
const H = 3_600_000;

describe('DagStatusService', () => {
  let read: jest.Mock<(dagId: string, runs?: number) => Promise<DagSnapshot>>;
  let service: DagStatusService;

  /** The service over the mocked store, with the target's settings changed by `settings`. */
  const configured = (settings: Partial<DagStatusConfig> = {}): DagStatusService => {
    const store = { read } as unknown as MirrorStore;
    const client = { uiUrl: (dag: string, id: string | null) => `ui/${dag}/${id ?? ''}` } as unknown as AirflowRepository;
    const dagStatus = dagStatusConfigOf({ cacheTtlMs: 60_000, ...settings });
    return new DagStatusService(store, client, configOf({ dagStatus }));
  };

  beforeEach(() => {
    read = jest.fn();
    service = configured();
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

  describe('freshness (MAX_SUCCESS_AGE)', () => {
    const withSuccessEndedAt = (end: string): DagSnapshot => {
      const success = finished('success', 'r1', end);
      return { ...snapshot([success]), history: { lastFinished: success, lastSuccess: success, failedTasks: [] } };
    };

    it('is not judged without a limit', async () => {
      read.mockResolvedValue(withSuccessEndedAt('2026-11-01T00:00:00Z'));
      expect(await service.verdict(NOW)).toMatchObject({ outcome: 'success', reason: null, stale: null });
    });

    it('turns a success past the limit into a failure of its own reason, and keeps it a success just within', async () => {
      service = configured({ maxSuccessAge: { fallback: 26 * H, perDag: {} } });
      read.mockResolvedValue(withSuccessEndedAt(new Date(NOW.getTime() - 26 * H).toISOString()));
      expect(await service.verdict(NOW)).toMatchObject({ outcome: 'success', stale: false });
      read.mockResolvedValue(withSuccessEndedAt(new Date(NOW.getTime() - 26 * H - 1000).toISOString()));
      expect(await service.verdict(NOW)).toMatchObject({ outcome: 'failure', reason: 'stale', stale: true });
      read.mockResolvedValue(withSuccessEndedAt('2026-12-01T00:00:00Z'));
      expect((await service.verdict(NOW)).explanation).toBe('The last success ended 2 days ago; the limit is 26 h.');
    });

    it('uses the per-DAG limit', async () => {
      service = configured({ maxSuccessAge: { fallback: null, perDag: { Airflow_Lab2: 90 * 60_000 } } });
      read.mockResolvedValue(withSuccessEndedAt(new Date(NOW.getTime() - 2 * H).toISOString()));
      expect(await service.verdict(NOW)).toMatchObject({
        reason: 'stale',
        explanation: 'The last success ended 2 h ago; the limit is 90 min.',
      });
    });
  });

  describe('VERDICT_BASIS', () => {
    const runningAfter = (previous: DagRun): DagSnapshot => ({
      ...snapshot([run('running', 'r2'), previous]),
      history: {
        lastFinished: previous,
        lastSuccess: previous.state === 'success' ? previous : null,
        failedTasks: [],
      },
    });

    it('latest: a run in progress is not a success', async () => {
      read.mockResolvedValue(runningAfter(finished('success', 'r1', '2026-12-02T00:00:00Z')));
      expect(await service.verdict(NOW)).toMatchObject({ outcome: 'failure', reason: 'running' });
    });

    it("last_finished: a run in progress keeps the last finished run's verdict, and says so", async () => {
      service = configured({ verdictBasis: 'last_finished' });
      read.mockResolvedValue(runningAfter(finished('success', 'r1', '2026-12-02T00:00:00Z')));
      const verdict = await service.verdict(NOW);
      expect(verdict).toMatchObject({ outcome: 'success', reason: null, run: { runId: 'r2', state: 'running' } });
      expect(verdict.explanation).toBe('The last finished run succeeded; a newer run is in progress.');
      read.mockResolvedValue(runningAfter(finished('failed', 'r1', '2026-12-02T00:00:00Z')));
      expect(await service.verdict(NOW)).toMatchObject({ outcome: 'failure', reason: 'failed' });
    });
  });

  describe('last known state', () => {
    const good = (): DagSnapshot => {
      const success = finished('success', 'r1', '2026-12-01T00:00:00Z');
      return { ...snapshot([success]), history: { lastFinished: success, lastSuccess: success, failedTasks: [] } };
    };

    it('shows the last state seen, when it was seen and since when Airflow fails', async () => {
      const down: DagSnapshot = {
        ...snapshot(null, new AirflowUnreachableError('Airflow at x cannot be reached')),
        fetchedAt: '2026-12-02T10:00:00.000Z',
        failingSince: '2026-12-02T09:00:00.000Z',
        lastKnown: good(),
      };
      read.mockResolvedValue(down);
      const verdict = await service.verdict(NOW);
      expect(verdict).toMatchObject({
        outcome: 'failure',
        reason: 'airflow_unreachable',
        run: { runId: 'r1', state: 'success' },
        fetchedAt: '2026-12-01T00:00:00.000Z',
        airflowError: { reason: 'airflow_unreachable', since: '2026-12-02T09:00:00.000Z' },
      });
      expect(verdict.explanation).toContain('Last seen 2026-12-01 00:00:00 UTC: the latest run success.');
      const overview = service.describe(down, NOW);
      expect(overview).toMatchObject({
        run: { runId: 'r1', state: 'success' },
        history: { lastSuccess: { endDate: '2026-12-01T00:00:00Z' } },
        recentRuns: [{ runId: 'r1' }],
      });
    });

    it('lets the status route carry it in the error', async () => {
      const down = new AirflowUnreachableError('x');
      const known = good();
      read.mockResolvedValue({
        ...snapshot(null, down),
        lastKnown: { ...known, status: { dagId: 'Airflow_Lab2', run: known.runs![0], fetchedAt: known.fetchedAt } },
      });
      const error = await service.readStatus('Airflow_Lab2').catch((e: unknown) => e);
      expect(error).toMatchObject({
        reason: 'airflow_unreachable',
        errorBodyExtension: { last_known: { run_id: 'r1', state: 'success' } },
      });
      read.mockResolvedValue(snapshot(null, down));
      await expect(service.readStatus('Airflow_Lab2')).rejects.toBe(down);
    });
  });
});
