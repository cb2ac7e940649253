import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { AirflowAuthError, AirflowBadResponseError, AirflowUnreachableError, DagNotFoundError } from '../airflow/airflow.errors.js';
import type { AirflowRepository } from '../airflow/airflow.repository.js';
import type {
  AirflowHealth,
  AirflowPage,
  AirflowPageToken,
  DagAttributes,
  DagRun,
  ImportErrorInfo,
  TaskInstance,
} from '../airflow/airflow.types.js';
import type { AllConfig } from '../config/config.type.js';
import { parseMirrorConfig } from '../config/mirror.config.js';
import { parseReliabilityConfig } from '../config/reliability.config.js';
import { dagStatusConfigOf } from '../config/config.fixtures.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { MirrorHistory } from './mirror.history.js';
import { MirrorPast } from './mirror.past.js';
import { MirrorStore } from './mirror.store.js';
import { MirrorSync, SYNC_OVERLAP_MS } from './mirror.sync.js';
import type { DagSnapshot } from './mirror.types.js';
import { attributesOf } from '../airflow/airflow.fixtures.js';

const T0 = Date.UTC(2026, 11, 1, 12);
const TTL = 2000;

interface Row {
  id: number;
  run: DagRun;
  /** On Airflow's clock. */
  updatedAt: number;
}

/**
 * Airflow in memory, as the repository sees it: runs with their primary key and `updated_at`,
 * the changes feed paged by a keyset cursor (or by offset), a DAG list, a clock of its own.
 */
class MemoryAirflow {
  rows: Row[] = [];
  dags = new Map<string, DagAttributes>();
  tasks = new Map<string, TaskInstance[]>();
  health: AirflowHealth = { scheduler: { healthy: true, latestHeartbeat: null }, dagProcessor: null };
  importErrors: ImportErrorInfo[] = [];
  healthFault: Error | null = null;
  importErrorsFault: Error | null = null;
  /** Airflow's clock minus ours. */
  skewMs = 0;
  pageSize = 3;
  cursor = true;
  calls: string[] = [];
  /** Fails every call while set; `failOnPage` fails the changes feed's n-th page (1-based) of each sync. */
  down = false;
  failOnPage: number | null = null;
  /** The past's pages (newest first, each repeating the last run of the one before); `pastFault` fails the pages it names. */
  pastPageSize = 4;
  pastFault: ((dagId: string, offset: number) => boolean) | null = null;
  /** Called between the pages of the changes feed, as if Airflow changed meanwhile. */
  betweenPages: (() => void) | null = null;
  /** How long a DAG's runs take to answer, on the (fake) clock; and how many reads of runs were in flight as each began. */
  latencyMs: (dagId: string) => number = () => 0;
  /** Whole reads of runs wait for it while set. */
  gate: Promise<void> | null = null;
  runsInFlight = 0;
  peakRuns = 0;
  readAlongside = new Map<string, number>();
  /** A DAG's runs are answered only once its promise resolves. */
  hold = new Map<string, Promise<void>>();
  private nextId = 0;
  private page = 0;

  now(): number {
    return Date.now() + this.skewMs;
  }

  addDag(dagId: string, attributes: Partial<DagAttributes> = {}): void {
    this.dags.set(dagId, attributesOf(dagId, attributes));
  }

  /** A run created or changed now (on Airflow's clock), or at `updatedAt`. */
  put(dagId: string, runId: string, state: string, hour: number, updatedAt = this.now()): DagRun {
    const run: DagRun = {
      dagId,
      runId,
      state,
      logicalDate: null,
      runAfter: new Date(T0 - 100 * 3_600_000 + hour * 3_600_000).toISOString(),
      startDate: null,
      endDate: state === 'success' || state === 'failed' ? new Date(T0 - 100 * 3_600_000 + hour * 3_600_000 + 60_000).toISOString() : null,
      note: null,
      runType: 'scheduled',
    };
    const row = this.rows.find((r) => r.run.dagId === dagId && r.run.runId === runId);
    if (row) Object.assign(row, { run, updatedAt });
    else this.rows.push({ id: ++this.nextId, run, updatedAt });
    return run;
  }

  /** A run started at `startMs` (ended at `endMs` unless running), changed now on Airflow's clock. */
  putTimed(dagId: string, runId: string, state: string, startMs: number, endMs: number | null): void {
    const run = this.put(dagId, runId, state, 0);
    const row = this.rows.find((r) => r.run === run)!;
    row.run = {
      ...run,
      runAfter: new Date(startMs).toISOString(),
      startDate: new Date(startMs).toISOString(),
      endDate: endMs === null ? null : new Date(endMs).toISOString(),
    };
  }

  delete(dagId: string, runId: string): void {
    this.rows = this.rows.filter((r) => !(r.run.dagId === dagId && r.run.runId === runId));
  }

  repository(): AirflowRepository {
    const check = (what: string): void => {
      this.calls.push(what);
      if (this.down) throw new AirflowUnreachableError('Airflow at http://airflow cannot be reached (ECONNREFUSED)');
    };
    return {
      listRunsChanged: async (since: string | null, token: AirflowPageToken | null): Promise<AirflowPage<DagRun>> => {
        check('changes');
        this.page = token === null ? 1 : this.page + 1;
        if (this.failOnPage === this.page) throw new AirflowUnreachableError('reset mid-page');
        if (token !== null) this.betweenPages?.();
        const from = since === null ? -Infinity : Date.parse(since);
        const matching = this.rows.filter((r) => r.updatedAt >= from).sort((a, b) => a.id - b.id);
        let start: number;
        if (token === null) start = 0;
        else if ('cursor' in token) start = matching.findIndex((r) => r.id > Number(token.cursor));
        else start = token.offset;
        if (start < 0) start = matching.length;
        const items = matching.slice(start, start + this.pageSize);
        let next: AirflowPageToken | null = null;
        if (start + this.pageSize < matching.length) {
          next = this.cursor ? { cursor: String(items[items.length - 1].id) } : { offset: start + this.pageSize };
        }
        return { items: items.map((r) => ({ ...r.run })), next, serverTime: Math.floor(this.now() / 1000) * 1000 };
      },
      listDags: async (offset: number) => {
        check('dags');
        const all = [...this.dags.values()].sort((a, b) => a.dagId.localeCompare(b.dagId));
        const items = all.slice(offset, offset + 100);
        return { items, next: offset + 100 < all.length ? { offset: offset + 100 } : null, serverTime: this.now(), total: all.length };
      },
      getDag: async (dagId: string) => {
        check(`dag:${dagId}`);
        const dag = this.dags.get(dagId);
        if (!dag) throw new DagNotFoundError(dagId);
        return dag;
      },
      listRuns: async (dagId: string, limit: number, states?: readonly string[]) => {
        check(`runs:${dagId}${states ? `:${states.join('+')}` : ''}`);
        this.peakRuns = Math.max(this.peakRuns, ++this.runsInFlight);
        this.readAlongside.set(dagId, this.runsInFlight - 1);
        await new Promise((resolve) => setImmediate(resolve));
        await this.hold.get(dagId);
        await this.gate;
        this.runsInFlight -= 1;
        jest.setSystemTime(Date.now() + this.latencyMs(dagId));
        if (!this.dags.has(dagId)) throw new DagNotFoundError(dagId);
        return this.rows
          .filter((r) => r.run.dagId === dagId && (states === undefined || states.includes(r.run.state)))
          .map((r) => ({ ...r.run }))
          .sort((a, b) => Date.parse(b.runAfter!) - Date.parse(a.runAfter!))
          .slice(0, limit);
      },
      listRunsDueSince: async (dagId: string, since: string, offset: number): Promise<AirflowPage<DagRun>> => {
        check(`past:${dagId}:${offset}`);
        if (this.pastFault !== null && this.pastFault(dagId, offset)) throw new AirflowUnreachableError('reset mid-page');
        await new Promise((resolve) => setImmediate(resolve));
        if (!this.dags.has(dagId)) throw new DagNotFoundError(dagId);
        const from = Date.parse(since);
        const matching = this.rows
          .filter((r) => r.run.dagId === dagId && Date.parse(r.run.runAfter!) >= from)
          .map((r) => ({ ...r.run }))
          .sort((a, b) => Date.parse(b.runAfter!) - Date.parse(a.runAfter!));
        const items = matching.slice(offset, offset + this.pastPageSize);
        const next = items.length >= this.pastPageSize ? { offset: offset + this.pastPageSize - 1 } : null;
        return { items, next, serverTime: this.now() };
      },
      listTaskInstances: async (dagId: string, runId: string) => {
        check(`tasks:${dagId}:${runId}`);
        return this.tasks.get(runId) ?? [];
      },
      taskLogUrl: (dagId: string, runId: string, taskId: string) => `ui/${dagId}/${runId}/${taskId}`,
      health: async (): Promise<AirflowHealth> => {
        check('health');
        if (this.healthFault !== null) throw this.healthFault;
        return this.health;
      },
      listImportErrors: async (offset: number) => {
        check('import-errors');
        if (this.importErrorsFault !== null) throw this.importErrorsFault;
        const items = this.importErrors.slice(offset, offset + 2);
        return { items, next: offset + 2 < this.importErrors.length ? { offset: offset + 2 } : null, serverTime: this.now(), total: null };
      },
    } as unknown as AirflowRepository;
  }
}

function configOf(env: Record<string, string>, allowed: string[]): ConfigService<AllConfig, true> {
  const values: Partial<AllConfig> = {
    dagStatus: dagStatusConfigOf({ targetDagId: allowed[0], allowedDagIds: allowed, cacheTtlMs: TTL }),
    mirror: parseMirrorConfig(env),
    airflow: { maxConcurrency: 2 } as AllConfig['airflow'],
    reliability: parseReliabilityConfig(env),
  };
  return { getOrThrow: (key: keyof AllConfig) => values[key] } as unknown as ConfigService<AllConfig, true>;
}

/** Lets the un-awaited whole reads and their promises run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 200; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('MirrorSync and MirrorStore', () => {
  let airflow: MemoryAirflow;
  let store: MirrorStore;
  let past: MirrorPast;
  let sync: MirrorSync;
  let changes: DagSnapshot[];

  const start = async (allowed = ['a', 'b'], env: Record<string, string> = {}): Promise<void> => {
    const config = configOf(env, allowed);
    const repository = airflow.repository();
    const metrics = {
      recordCacheLookup: () => undefined,
      recordMirrorSync: () => undefined,
      recordMirrorLoad: () => undefined,
    } as unknown as MetricsService;
    const scheduler = {
      doesExist: () => false,
      addTimeout: () => undefined,
      deleteTimeout: () => undefined,
    } as unknown as SchedulerRegistry;
    past = new MirrorPast(config);
    store = new MirrorStore(new MirrorHistory(repository, config), metrics, config, past);
    sync = new MirrorSync(store, new MirrorHistory(repository, config), repository, scheduler, metrics, config, past);
    store.changes.subscribe((snapshot) => changes.push(snapshot));
    // The loop is driven by hand: syncs are called, not scheduled.
    store.drive({
      now: () => sync.syncNow(),
      running: () => false,
      load: (dagId, urgent) => (sync as unknown as { loadFirst(id: string, urgent: boolean): void }).loadFirst(dagId, urgent),
    });
    await sync.syncNow();
    await flush();
  };

  /** One sync, after the TTL: what a reader gets. */
  const next = async (): Promise<void> => {
    jest.advanceTimersByTime(TTL);
    await sync.syncNow();
    await flush();
  };

  const states = async (dagId: string): Promise<string[] | null> =>
    (await store.read(dagId, 10)).runs?.map((r) => `${r.runId}:${r.state}`) ?? null;

  beforeEach(() => {
    jest.useFakeTimers({ now: T0, doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'performance'] });
    airflow = new MemoryAirflow();
    airflow.addDag('a');
    airflow.addDag('b');
    airflow.put('a', 'a1', 'success', 1, T0 - 3_600_000);
    airflow.put('b', 'b1', 'failed', 1, T0 - 3_600_000);
    changes = [];
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('loads each DAG once, then costs one call per sync while nothing changes, whatever the number of DAGs', async () => {
    for (let i = 0; i < 30; i++) airflow.addDag(`d${i}`);
    await start(['a', 'b', ...Array.from({ length: 30 }, (_, i) => `d${i}`)]);
    expect(await states('a')).toEqual(['a1:success']);
    expect(airflow.calls.filter((c) => c.startsWith('runs:'))).toHaveLength(32);
    // Then each DAG's past, a page each here (issue 20), once.
    await next();
    expect(airflow.calls.filter((c) => c.startsWith('past:'))).toHaveLength(32);
    airflow.calls.length = 0;
    await next();
    await next();
    expect(airflow.calls).toEqual(['changes', 'changes']);
  });

  describe('whole reads, paced by how fast Airflow answers them', () => {
    const many = (n: number): string[] => Array.from({ length: n }, (_, i) => `d${i}`);

    it('reads one DAG at a time at first, and more at once only while they are answered as fast as alone', async () => {
      for (const dagId of many(40)) airflow.addDag(dagId);
      await start(many(40));
      // At most AIRFLOW_MAX_CONCURRENCY (2 here), reached once twenty reads in a row were as fast as the fastest.
      expect(airflow.calls.filter((c) => c.startsWith('runs:'))).toHaveLength(40);
      expect(airflow.peakRuns).toBe(2);
    });

    it('goes back to one at a time when Airflow answers slower, and rests as long as each read took', async () => {
      const dags = many(40);
      for (const dagId of dags) airflow.addDag(dagId);
      // The first twenty are answered at once, the others in 80 ms.
      const slow = new Set(dags.slice(20));
      airflow.latencyMs = (dagId) => (slow.has(dagId) ? 80 : 0);
      await start(dags);
      const read = (): number => airflow.calls.filter((c) => c.startsWith('runs:')).length;
      // Each slow read's slot rests 80 ms: the load goes on only as time passes.
      expect(read()).toBeLessThan(40);
      for (let i = 0; i < 400 && read() < 40; i++) await jest.advanceTimersByTimeAsync(40).then(flush);
      expect(read()).toBe(40);
      expect(airflow.peakRuns).toBe(2);
      // Two at once when it slowed down; after that, one at a time.
      expect(dags.slice(25).map((dagId) => airflow.readAlongside.get(dagId))).toEqual(Array(15).fill(0));
    });

    it('reads a DAG once when readers of many DAGs ask for it while it is being read', async () => {
      let release = (): void => undefined;
      airflow.hold.set('a', new Promise<void>((resolve) => (release = resolve)));
      await start();
      const reading = store.read('a', 1, false);
      const watched: string[] = [];
      const subscription = store.watch(['a', 'b']).subscribe((snapshot) => watched.push(snapshot.dagId));
      release();
      await flush();
      expect((await reading).runs?.map((r) => r.runId)).toEqual(['a1']);
      expect(watched.sort()).toEqual(['a', 'b']);
      subscription.unsubscribe();
      expect(airflow.calls.filter((c) => c === 'runs:a')).toHaveLength(1);
    });

    it('reads a DAG whose whole read failed again at a later sync, rather than showing the failure until its next reconciliation', async () => {
      await start();
      airflow.down = true;
      (sync as unknown as { reconcileOne(): void }).reconcileOne();
      await flush();
      expect((await store.read('a')).error?.reason).toBe('airflow_unreachable');
      airflow.down = false;
      // Its retry waits out a backoff of two periods.
      for (let i = 0; i < 3; i++) await next();
      expect((await store.read('a')).error).toBeNull();
    });

    it('reads a DAG a reader waits for alone at once, beside the reads in turn', async () => {
      for (const dagId of many(10)) airflow.addDag(dagId);
      airflow.latencyMs = () => 100;
      await start(many(10));
      const before = airflow.calls.filter((c) => c.startsWith('runs:')).length;
      expect(before).toBeLessThan(10);
      // d9 is last in turn, resting reads ahead of it: a reader of it alone does not wait for them.
      const snapshot = await store.read('d9');
      expect(snapshot.runs).toEqual([]);
      expect(airflow.calls.filter((c) => c.startsWith('runs:')).length).toBe(before + 1);
    });

    it('reads a DAG once when a reader asks for it while its first read is in flight', async () => {
      let release = (): void => undefined;
      airflow.gate = new Promise<void>((resolve) => (release = resolve));
      airflow.latencyMs = () => 100;
      const started = start(['a']);
      await flush();
      const reader = store.read('a', 10, false);
      release();
      await started;
      await reader;
      // Once read, `a` is not read again for that reader after its rest.
      for (let i = 0; i < 5; i++) await next();
      expect(airflow.calls.filter((c) => c === 'runs:a')).toHaveLength(1);
    });
  });

  it('answers a DAG that is not watched like an unknown one, without asking Airflow', async () => {
    airflow.addDag('secret');
    await start();
    airflow.calls.length = 0;
    await expect(store.read('secret')).rejects.toBeInstanceOf(DagNotFoundError);
    expect(store.isAllowed('secret')).toBe(false);
    expect(airflow.calls).toEqual([]);
  });

  it('applies a changed run at the next sync and announces the DAG once, with a higher revision', async () => {
    await start();
    const before = (await store.read('a')).revision;
    changes.length = 0;
    airflow.put('a', 'a2', 'running', 2);
    await next();
    expect(await states('a')).toEqual(['a2:running', 'a1:success']);
    expect(changes.map((s) => s.dagId)).toEqual(['a']);
    expect(changes[0].revision).toBe(before + 1);
    await next();
    expect(changes).toHaveLength(1);
  });

  it('reads every page when more runs changed than one page holds', async () => {
    await start();
    for (let i = 2; i <= 12; i++) airflow.put('a', `a${i}`, 'success', i);
    await next();
    expect((await states('a'))?.[0]).toBe('a12:success');
    expect(await states('a')).toHaveLength(10);
  });

  it.each([
    ['cursor', true],
    ['offset', false],
  ])('misses no run that changes during a sync (%s pages)', async (_mode, cursor) => {
    airflow.cursor = cursor;
    await start();
    for (let i = 2; i <= 7; i++) airflow.put('b', `b${i}`, 'running', i);
    // Between the pages of the next sync, a run already read changes again, and one more starts.
    airflow.betweenPages = () => {
      airflow.betweenPages = null;
      airflow.put('b', 'b2', 'failed', 2);
      airflow.put('a', 'a2', 'running', 2);
    };
    await next();
    await next();
    expect((await states('b'))?.find((r) => r.startsWith('b2:'))).toBe('b2:failed');
    expect((await states('a'))?.[0]).toBe('a2:running');
  });

  it('loses nothing when Airflow fails in the middle of the pages, and says so meanwhile', async () => {
    await start();
    for (let i = 2; i <= 8; i++) airflow.put('a', `a${i}`, 'success', i);
    airflow.failOnPage = 2;
    await next();
    const failed = await store.read('a');
    expect(failed.error?.reason).toBe('airflow_unreachable');
    expect(failed.lastKnown?.runs?.[0]?.runId).toBe('a1');
    airflow.failOnPage = null;
    await next();
    expect((await states('a'))?.[0]).toBe('a8:success');
  });

  it("keeps its watermark on Airflow's clock: a skew of an hour either way misses nothing", async () => {
    for (const skew of [3_600_000, -3_600_000]) {
      airflow = new MemoryAirflow();
      airflow.addDag('a');
      airflow.addDag('b');
      airflow.skewMs = skew;
      changes = [];
      await start();
      airflow.put('a', 'a2', 'running', 2);
      await next();
      expect((await states('a'))?.[0]).toBe('a2:running');
    }
  });

  it('catches a change committed late, with an updated_at just before the last sync began (the overlap)', async () => {
    await start();
    await next();
    airflow.put('a', 'a2', 'success', 2, airflow.now() - SYNC_OVERLAP_MS / 2 - TTL);
    await next();
    expect((await states('a'))?.[0]).toBe('a2:success');
  });

  it("notices Airflow's clock going back (a restart on another host) and reads from its new time", async () => {
    await start();
    airflow.skewMs = -600_000;
    airflow.put('a', 'a2', 'running', 2);
    await next();
    expect((await states('a'))?.[0]).toBe('a2:running');
  });

  it('removes a deleted run at reconciliation, which reads one DAG whole per background sync', async () => {
    await start();
    airflow.put('a', 'a2', 'running', 2);
    await next();
    airflow.delete('a', 'a2');
    // Reconciliation takes the DAGs in turn: two of them, two turns.
    const reconcile = (): void => (sync as unknown as { reconcileOne(): void }).reconcileOne();
    reconcile();
    await flush();
    reconcile();
    await flush();
    expect(await states('a')).toEqual(['a1:success']);
  });

  it('with WATCH_DAGS, discovers matching DAGs, adds new ones within a DAG list period, and drops deleted ones', async () => {
    airflow.addDag('etl_sales', { tags: ['finance'] });
    airflow.addDag('etl_hr', { tags: ['people'] });
    airflow.put('etl_sales', 's1', 'success', 1);
    await start(['a'], { WATCH_DAGS: 'id:etl_*,tag:finance', DAG_LIST_PERIOD_MS: '10000' });
    expect(store.allowedDagIds).toEqual(['a', 'etl_sales']);
    expect(await states('etl_sales')).toEqual(['s1:success']);
    await expect(store.read('etl_hr')).rejects.toBeInstanceOf(DagNotFoundError);

    airflow.addDag('etl_budget', { tags: ['finance'] });
    airflow.dags.delete('etl_sales');
    for (let i = 0; i < 5; i++) await next();
    expect(store.allowedDagIds).toEqual(['a', 'etl_budget']);
    expect(await states('etl_budget')).toEqual([]);
    expect(changes.find((s) => s.dagId === 'etl_sales' && s.error?.reason === 'dag_not_found')).toBeDefined();
  });

  it('says an explicitly listed DAG Airflow does not know is not found', async () => {
    await start(['a', 'ghost']);
    const ghost = await store.read('ghost');
    expect(ghost.error).toBeInstanceOf(DagNotFoundError);
  });

  it('shows the failure while Airflow is down, with the last state seen, and catches up after', async () => {
    await start();
    airflow.down = true;
    await next();
    const down = await store.read('a');
    expect(down.error?.reason).toBe('airflow_unreachable');
    expect(down.failingSince).not.toBeNull();
    airflow.put('a', 'a2', 'failed', 2);
    airflow.down = false;
    await next();
    expect((await states('a'))?.[0]).toBe('a2:failed');
  });

  describe('history', () => {
    it('takes the last success from the runs kept, and looks it up once when they hold none', async () => {
      for (let i = 2; i <= 11; i++) airflow.put('a', `a${i}`, 'failed', i);
      await start(['a']);
      const history = (await store.read('a')).history;
      expect(history?.lastSuccess?.runId).toBe('a1');
      expect(history?.lastFinished?.runId).toBe('a11');
      expect(airflow.calls.filter((c) => c === 'runs:a:success')).toHaveLength(1);
      airflow.put('a', 'a12', 'failed', 12);
      await next();
      expect((await store.read('a')).history?.lastSuccess?.runId).toBe('a1');
      expect(airflow.calls.filter((c) => c === 'runs:a:success')).toHaveLength(1);
    });

    it('looks the last success up again when that run is cleared and runs again', async () => {
      airflow.put('a', 'a0', 'success', 0);
      for (let i = 2; i <= 11; i++) airflow.put('a', `a${i}`, 'failed', i);
      await start(['a']);
      expect((await store.read('a')).history?.lastSuccess?.runId).toBe('a1');
      airflow.put('a', 'a1', 'running', 1);
      await next();
      expect((await store.read('a')).history?.lastSuccess?.runId).toBe('a0');
    });

    it('reads the failed tasks of a failed run once', async () => {
      airflow.tasks.set('a2', [{ taskId: 'train', state: 'failed', mapIndex: -1 }]);
      await start(['a']);
      airflow.put('a', 'a2', 'failed', 2);
      await next();
      await next();
      expect((await store.read('a')).history?.failedTasks).toEqual([{ taskId: 'train', state: 'failed', logUrl: 'ui/a/a2/train' }]);
      expect(airflow.calls.filter((c) => c.startsWith('tasks:'))).toHaveLength(1);
    });
  });

  describe("Airflow's own state and the verdicts that move with time (issue 18)", () => {
    const MIN = 60_000;

    it('reads the health and every page of the import errors once per DAG list period, and shows them on every DAG', async () => {
      airflow.addDag('a', { fileloc: 'a.py', bundleName: 'dags-folder' });
      airflow.importErrors = [
        { filename: 'a.py', bundleName: 'dags-folder', message: 'SyntaxError: invalid syntax' },
        { filename: 'x.py', bundleName: null, message: 'x' },
        { filename: 'a.py', bundleName: 'other-bundle', message: 'not ours' },
      ];
      await start(['a', 'b'], { DAG_LIST_PERIOD_MS: '10000' });
      expect(airflow.calls.filter((c) => c === 'health')).toHaveLength(1);
      expect(airflow.calls.filter((c) => c === 'import-errors')).toHaveLength(2);
      const a = await store.read('a');
      expect(a.importError).toEqual({ filename: 'a.py', bundleName: 'dags-folder', message: 'SyntaxError: invalid syntax' });
      expect((await store.read('b')).importError).toBeNull();
      expect(a.health?.scheduler.healthy).toBe(true);

      // The scheduler's heartbeat goes stale: every DAG moves to a new revision, once.
      airflow.health = { scheduler: { healthy: false, latestHeartbeat: '2026-12-01T11:59:00+00:00' }, dagProcessor: null };
      const revisions = [(await store.read('a')).revision, (await store.read('b')).revision];
      for (let i = 0; i < 5; i++) await next();
      expect(airflow.calls.filter((c) => c === 'health')).toHaveLength(2);
      expect([(await store.read('a')).revision, (await store.read('b')).revision]).toEqual(revisions.map((r) => r + 1));
      expect((await store.read('b')).health?.scheduler).toEqual({ healthy: false, latestHeartbeat: '2026-12-01T11:59:00+00:00' });
      // The file is fixed.
      airflow.importErrors = [];
      for (let i = 0; i < 5; i++) await next();
      expect((await store.read('a')).importError).toBeNull();
    });

    it('goes on without health or import errors Airflow refuses, saying so; a link that fails fails the sync', async () => {
      airflow.addDag('a', { fileloc: 'a.py' });
      airflow.importErrors = [{ filename: 'a.py', bundleName: null, message: 'boom' }];
      airflow.healthFault = new AirflowAuthError('Airflow denied user "airflow" access (HTTP 403)');
      airflow.importErrorsFault = new AirflowBadResponseError('Airflow answered list_import_errors with HTTP 404');
      await start(['a']);
      const a = await store.read('a');
      expect(a.error).toBeNull();
      expect([a.health, a.importError]).toEqual([null, null]);
      airflow.healthFault = new AirflowUnreachableError('reset');
      jest.advanceTimersByTime(60_000);
      await next();
      expect((await store.read('a')).error?.reason).toBe('airflow_unreachable');
    });

    it('with WATCH_DAGS, keeps a stale DAG whose file fails to import, and drops one whose file is gone', async () => {
      airflow.addDag('etl_broken', { isStale: true, hasImportErrors: true });
      airflow.addDag('etl_gone', { isStale: true });
      await start(['a'], { WATCH_DAGS: 'id:etl_*' });
      expect(store.allowedDagIds).toEqual(['a', 'etl_broken']);
    });

    it('moves a DAG to a new revision when its next run becomes overdue, not before (OVERDUE_GRACE 10 min by default)', async () => {
      const due = T0 + 5 * MIN;
      airflow.addDag('a', { schedule: '*/5 * * * *', nextRunAfter: new Date(due).toISOString() });
      await start(['a']);
      const before = (await store.read('a')).revision;
      // A sync exactly at the grace's end: not overdue yet (next() moves the clock one TTL on).
      jest.setSystemTime(due + 10 * MIN - TTL);
      await next();
      expect((await store.read('a')).revision).toBe(before);
      jest.setSystemTime(due + 10 * MIN + 1 - TTL);
      await next();
      expect((await store.read('a')).revision).toBe(before + 1);
      // A run starts: no longer overdue.
      airflow.putTimed('a', 'a2', 'running', due + 11 * MIN, null);
      await next();
      expect((await store.read('a')).revision).toBe(before + 2);
    });

    it('moves a DAG to a new revision when its run goes on longer than usual', async () => {
      for (let i = 0; i < 3; i++) airflow.putTimed('a', `s${i}`, 'success', T0 - (10 - i) * 10 * MIN, T0 - (10 - i) * 10 * MIN + 2 * MIN);
      airflow.putTimed('a', 'long', 'running', T0, null);
      await start(['a']);
      const before = (await store.read('a')).revision;
      // Usual 2 min, factor 3: long after 6 min.
      jest.setSystemTime(T0 + 6 * MIN - TTL);
      await next();
      expect((await store.read('a')).revision).toBe(before);
      await next();
      expect((await store.read('a')).revision).toBe(before + 1);
    });
  });

  describe("each DAG's past over the longest reliability window (issue 20)", () => {
    const runsOf = (dagId: string): string[] | undefined => store.past(dagId)?.runs.map((run) => `${run.runId}:${run.state}`);

    /** Syncs until nothing is left to read (the past's pages rest between them). */
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 8; i++) await next();
    };

    it('reads it after the newest runs, newest first in pages, each run once; then keeps it from the changes feed alone', async () => {
      for (let i = 2; i <= 10; i++) airflow.put('a', `a${i}`, 'success', i, T0 - 3_600_000);
      airflow.pastPageSize = 4;
      await start(['a']);
      await settle();
      // 10 runs, pages of 4 that repeat the last of the one before.
      expect(airflow.calls.filter((c) => c.startsWith('past:'))).toEqual(['past:a:0', 'past:a:3', 'past:a:6', 'past:a:9']);
      expect(store.past('a')).toMatchObject({ dagId: 'a', complete: true, since: Date.now() - 37 * 86_400_000 }); // 30 d windows, 37 d kept for the trend
      expect(runsOf('a')).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10'].map((id) => `${id}:success`));
      airflow.calls.length = 0;
      const revision = store.past('a')!.revision;
      airflow.put('a', 'a11', 'running', 11);
      airflow.put('a', 'a3', 'failed', 3);
      await next();
      expect(runsOf('a')?.slice(-1)).toEqual(['a11:running']);
      expect(runsOf('a')?.[2]).toBe('a3:failed');
      expect(store.past('a')!.revision).toBeGreaterThan(revision);
      expect(airflow.calls.filter((c) => c.startsWith('past:'))).toEqual([]);
    });

    it('Airflow failing mid-page: the read goes on from that page after a backoff, and completes', async () => {
      for (let i = 2; i <= 10; i++) airflow.put('a', `a${i}`, 'success', i, T0 - 3_600_000);
      airflow.pastPageSize = 4;
      let failures = 1;
      airflow.pastFault = (_dagId, offset) => offset === 3 && failures-- > 0;
      await start(['a']);
      await next();
      expect(store.past('a')).toMatchObject({ complete: false });
      expect(runsOf('a')).toHaveLength(4);
      await settle();
      expect(airflow.calls.filter((c) => c.startsWith('past:'))).toEqual(['past:a:0', 'past:a:3', 'past:a:3', 'past:a:6', 'past:a:9']);
      expect(store.past('a')).toMatchObject({ complete: true });
      expect(runsOf('a')).toHaveLength(10);
    });

    it('a young DAG: one short page, complete; a DAG not watched has none', async () => {
      await start(['a', 'b']);
      await settle();
      expect(store.past('a')).toMatchObject({ complete: true });
      expect(runsOf('a')).toEqual(['a1:success']);
      expect(store.past('nope')).toBeNull();
      expect(store.pastFailedTasks('nope', 'x')).toBeNull();
    });

    it("looks the failed tasks of failed past runs up in the background, and not again for the history's own", async () => {
      airflow.tasks.set('b1', [{ taskId: 'train', state: 'failed', mapIndex: -1 }]);
      airflow.tasks.set('b0', [{ taskId: 'load', state: 'upstream_failed', mapIndex: 2 }]);
      airflow.put('b', 'b0', 'failed', 0, T0 - 3_600_000);
      const logged = jest.spyOn(Logger.prototype, 'log');
      await start(['b']);
      await settle();
      // Said once, when the last is known: the bench waits for it before measuring the steady state.
      const lines = logged.mock.calls.map(([message]) => String(message)).filter((m) => m.startsWith('Mirror read the failed tasks'));
      logged.mockRestore();
      expect(lines).toEqual([expect.stringMatching(/^Mirror read the failed tasks of \d failed past run\(s\) in [\d.]+ s$/)]);
      expect(store.pastFailedTasks('b', 'b1')).toEqual([{ taskId: 'train', state: 'failed', logUrl: 'ui/b/b1/train' }]);
      expect(store.pastFailedTasks('b', 'b0')).toEqual([{ taskId: 'load', state: 'upstream_failed', logUrl: 'ui/b/b0/load' }]);
      expect(airflow.calls.filter((c) => c.startsWith('tasks:')).sort()).toEqual(['tasks:b:b0', 'tasks:b:b1']);
    });

    it('a DAG that leaves the watched set takes its past along', async () => {
      await start([], { WATCH_DAGS: 'all' });
      await settle();
      expect(runsOf('a')).toEqual(['a1:success']);
      airflow.dags.delete('a');
      for (let i = 0; i < 40; i++) await next();
      expect(store.past('a')).toBeNull();
    });
  });
});
