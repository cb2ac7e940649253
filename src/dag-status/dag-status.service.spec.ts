import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { AirflowRepository } from '../airflow/airflow.repository.js';
import { AirflowAuthError, AirflowUnreachableError, DagNotFoundError, type AirflowError } from '../airflow/airflow.errors.js';
import { attributesOf, runOf } from '../airflow/airflow.fixtures.js';
import type { DagAttributes, DagRun } from '../airflow/airflow.types.js';
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

  describe("what keeps a DAG from running (issue 18's conditions), and their precedence", () => {
    const MIN = 60_000;
    const T = NOW.getTime();
    const at = (ms: number): string => new Date(ms).toISOString();
    const success = (runId: string, start: number, minutes = 2): DagRun =>
      runOf({ runId, state: 'success', startDate: at(start), endDate: at(start + minutes * MIN) });
    const history = (runs: DagRun[]) => {
      const done = runs.filter((r) => r.state === 'success' || r.state === 'failed');
      return { lastFinished: done[0] ?? null, lastSuccess: runs.find((r) => r.state === 'success') ?? null, failedTasks: [] };
    };
    const healthy = { scheduler: { healthy: true, latestHeartbeat: at(T) }, dagProcessor: { healthy: true, latestHeartbeat: at(T) } };
    /** A scheduled DAG whose newest runs are `runs`, with its attributes, import error and Airflow's health as given. */
    const dag = (runs: DagRun[], extra: Partial<DagSnapshot> = {}, attributes: Partial<DagAttributes> = {}): DagSnapshot => ({
      ...snapshot(runs),
      history: history(runs),
      attributes: attributesOf('Airflow_Lab2', {
        schedule: '0 * * * *',
        nextRunAfter: at(T + 30 * MIN),
        fileloc: 'lab2.py',
        ...attributes,
      }),
      health: healthy,
      ...extra,
    });
    const judged = async (snap: DagSnapshot, settings: Partial<DagStatusConfig> = {}) => {
      service = configured(settings);
      read.mockResolvedValue(snap);
      const { outcome, reason, explanation } = await service.verdict(NOW);
      return { outcome, reason, explanation };
    };
    const ok = [success('r1', T - 60 * MIN)];

    it('changes nothing for a DAG none applies to', async () => {
      expect(await judged(dag(ok))).toEqual({ outcome: 'success', reason: null, explanation: 'The latest run succeeded.' });
      expect(await judged(dag([run('running', 'r2'), ...ok]))).toMatchObject({ reason: 'running' });
    });

    it("names the file that fails to import and its error's first line", async () => {
      const broken = dag(
        ok,
        { importError: { filename: 'lab2.py', bundleName: null, message: "SyntaxError: '(' was never closed" } },
        { hasImportErrors: true },
      );
      expect(await judged(broken)).toEqual({
        outcome: 'failure',
        reason: 'import_error',
        explanation: "The DAG's file lab2.py fails to import: SyntaxError: '(' was never closed.",
      });
      // Airflow's import errors unread: the DAG's own flag and file.
      expect((await judged(dag(ok, {}, { hasImportErrors: true }))).explanation).toBe("The DAG's file lab2.py fails to import.");
    });

    it('says a paused DAG is paused, unless PAUSED_IS_FAILURE says pausing it is on purpose', async () => {
      const paused = dag(ok, {}, { isPaused: true, nextRunAfter: at(T - 60 * MIN) });
      expect(await judged(paused)).toMatchObject({ outcome: 'failure', reason: 'paused' });
      // Judged by its runs then; a paused DAG is never overdue.
      expect(await judged(paused, { pausedIsFailure: { fallback: true, perDag: { Airflow_Lab2: false } } })).toMatchObject({
        outcome: 'success',
      });
    });

    it("says why nothing runs while Airflow's scheduler (or DAG processor) has no recent heartbeat, on every DAG", async () => {
      const down = { scheduler: { healthy: false, latestHeartbeat: '2026-12-02T23:50:00+00:00' }, dagProcessor: null };
      expect(await judged(dag(ok, { health: down }))).toEqual({
        outcome: 'failure',
        reason: 'airflow_scheduler_down',
        explanation:
          "Airflow's scheduler has sent no heartbeat since 2026-12-02 23:50:00 UTC: nothing is scheduled or run until it is back.",
      });
      // An unscheduled DAG too: a manual run does not run either.
      expect(await judged(dag(ok, { health: down }, { schedule: null, nextRunAfter: null }))).toMatchObject({
        reason: 'airflow_scheduler_down',
      });
      const processor = { ...healthy, dagProcessor: { healthy: false, latestHeartbeat: null } };
      expect(await judged(dag(ok, { health: processor }))).toMatchObject({ reason: 'airflow_dag_processor_down' });
      // Health unknown or not reported: nothing said.
      expect(await judged(dag(ok, { health: { scheduler: { healthy: null, latestHeartbeat: null }, dagProcessor: null } }))).toMatchObject({
        reason: null,
      });
    });

    it('says a run goes on far longer than usual, past RUNNING_LONG_FACTOR × its recent successes, not before', async () => {
      const usual = [success('s1', T - 300 * MIN, 10), success('s2', T - 200 * MIN, 10), success('s3', T - 100 * MIN, 10)];
      const since = (minutes: number) => dag([runOf({ runId: 'now', state: 'running', startDate: at(T - minutes * MIN) }), ...usual]);
      expect(await judged(since(30))).toMatchObject({ reason: 'running' });
      expect(await judged(since(31))).toEqual({
        outcome: 'failure',
        reason: 'running_long',
        explanation: `The latest run, started ${at(T - 31 * MIN)
          .replace('T', ' ')
          .replace('.000Z', ' UTC')}, has gone on longer than 30 min 0 s, far beyond this DAG's usual 10 min 0 s: it may be stuck.`,
      });
      // Too few successes to know what is usual.
      expect(await judged(dag([runOf({ runId: 'now', state: 'running', startDate: at(T - 999 * MIN) }), ...usual.slice(1)]))).toMatchObject(
        { reason: 'running' },
      );
      // VERDICT_BASIS=last_finished: a success with a newer run in progress, unless that run is long.
      expect(await judged(since(31), { verdictBasis: 'last_finished' })).toMatchObject({ reason: 'running_long' });
      expect(await judged(since(5), { verdictBasis: 'last_finished' })).toMatchObject({ outcome: 'success' });
    });

    it('says a scheduled run did not start within OVERDUE_GRACE of its due time: not exactly at it, nor without a next run or a time schedule', async () => {
      const due = (ago: number, attributes: Partial<DagAttributes> = {}) => dag(ok, {}, { nextRunAfter: at(T - ago), ...attributes });
      expect(await judged(due(10 * MIN))).toMatchObject({ reason: null });
      expect(await judged(due(10 * MIN + 1000))).toEqual({
        outcome: 'failure',
        reason: 'overdue',
        explanation: 'The scheduled run due 2026-12-02 23:49:59 UTC has not started within 10 min (OVERDUE_GRACE).',
      });
      expect(await judged(due(10 * MIN + 1000, { nextRunAfter: null }))).toMatchObject({ reason: null });
      expect(await judged(due(10 * MIN + 1000, { schedule: 'Asset' }))).toMatchObject({ reason: null });
      expect(await judged(due(10 * MIN + 1000, { schedule: 'Asset or 0 * * * *' }))).toMatchObject({ reason: null });
      expect(await judged(due(3 * H), { overdueGrace: { fallback: null, perDag: {} } })).toMatchObject({ reason: null });
      // It outranks a stale success: not running is the cause.
      const old = [success('r0', T - 5 * H)];
      const stale = dag(old, {}, { nextRunAfter: at(T - 3 * H) });
      expect(await judged(stale, { maxSuccessAge: { fallback: 30 * MIN, perDag: {} } })).toMatchObject({ reason: 'overdue' });
    });

    it('puts a failed run first, then import error, paused, scheduler down, DAG processor down, running long, overdue', async () => {
      const all = (runs: DagRun[]) =>
        dag(
          runs,
          {
            importError: { filename: 'lab2.py', bundleName: null, message: 'E' },
            health: { scheduler: { healthy: false, latestHeartbeat: null }, dagProcessor: { healthy: false, latestHeartbeat: null } },
          },
          { hasImportErrors: true, isPaused: true, nextRunAfter: at(T - 3 * H) },
        );
      expect(await judged(all([runOf({ state: 'failed' })]))).toMatchObject({ reason: 'failed' });
      const order = ['import_error', 'paused', 'airflow_scheduler_down', 'airflow_dag_processor_down', 'overdue'];
      let snap = all([success('r0', T - 5 * H)]);
      const seen: Array<string | null> = [];
      for (let i = 0; i < order.length; i++) {
        seen.push((await judged(snap)).reason);
        if (i === 0) snap = { ...snap, importError: null, attributes: { ...snap.attributes!, hasImportErrors: false } };
        if (i === 1) snap = { ...snap, attributes: { ...snap.attributes!, isPaused: false } };
        if (i === 2) snap = { ...snap, health: { ...snap.health!, scheduler: { healthy: true, latestHeartbeat: null } } };
        if (i === 3) snap = { ...snap, health: healthy };
      }
      expect(seen).toEqual(order);
    });

    it("says an objective's error budget burns fast (budget_burn), only where the verdict would be a success", async () => {
      const burning = { budgetBurn: () => ({ objective: 'success 99 % over 30d', rate: 25, budgetLeft: -0.5 }) };
      const store = { read } as unknown as MirrorStore;
      const client = { uiUrl: () => 'ui' } as unknown as AirflowRepository;
      service = new DagStatusService(store, client, configOf({ dagStatus: dagStatusConfigOf({ cacheTtlMs: 60_000 }) }), burning);
      read.mockResolvedValue(dag(ok));
      expect(await service.verdict(NOW)).toMatchObject({
        outcome: 'failure',
        reason: 'budget_burn',
        explanation:
          'The error budget of its objective (success 99 % over 30d) is being spent 25 times faster than the window allows; -50 % of it is left.',
      });
      read.mockResolvedValue(dag([runOf({ state: 'failed' })]));
      expect(await service.verdict(NOW)).toMatchObject({ reason: 'failed' });
      read.mockResolvedValue(dag([success('r0', T - 5 * H)], {}, { nextRunAfter: at(T - 3 * H) }));
      expect(await service.verdict(NOW)).toMatchObject({ reason: 'overdue' });
    });
  });
});
