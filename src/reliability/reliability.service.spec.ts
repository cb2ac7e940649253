import { describe, expect, it } from '@jest/globals';
import { ServiceUnavailableException } from '@nestjs/common';
import { DagNotFoundError } from '../airflow/airflow.errors.js';
import { configOf, dagStatusConfigOf } from '../config/config.fixtures.js';
import type { MirrorStore } from '../mirror/mirror.store.js';
import type { DagPast, DagSnapshot } from '../mirror/mirror.types.js';
import { ReliabilityService } from './reliability.service.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 3);

/** A mirror holding one DAG's snapshot (at `revision`) and past as the test sets them. */
function mirror(state: { snapshot: Partial<DagSnapshot>; past: DagPast | null }) {
  const snapshot = () => ({ dagId: 'd', revision: 1, error: null, attributes: null, lastKnown: null, ...state.snapshot }) as DagSnapshot;
  return {
    read: () => Promise.resolve(snapshot()),
    current: () => snapshot(),
    past: () => state.past,
    pastFailedTasks: () => null,
  } as unknown as MirrorStore;
}

function service(store: MirrorStore, objectives = {}) {
  return new ReliabilityService(
    store,
    configOf({
      dagStatus: dagStatusConfigOf(),
      reliability: { windows: [7 * DAY, 30 * DAY], keepMs: 37 * DAY, objectives: { fallback: [], perDag: {}, ...objectives } },
    }),
  );
}

const run = (id: string, state: string, due: number) => ({
  runId: id,
  runType: 'scheduled',
  state,
  dueAt: due,
  logicalAt: due,
  startAt: due,
  endAt: due + 60_000,
});

describe('ReliabilityService', () => {
  it("reuses a DAG's figures while its past and snapshot revisions stay, for a minute at most", async () => {
    const state = {
      snapshot: {},
      past: { dagId: 'd', runs: [run('a', 'success', NOW - DAY)], since: 0, complete: true, revision: 1 } as DagPast,
    };
    const reliability = service(mirror(state));
    const first = await reliability.read('d', NOW);
    expect(first.windows[0].successRatio).toBe(1);
    expect(await reliability.read('d', NOW + 1000)).toBe(first);
    state.past = { ...state.past, runs: [...state.past.runs, run('b', 'failed', NOW - 1000)], revision: 2 };
    const second = await reliability.read('d', NOW + 2000);
    expect(second.windows[0].successRatio).toBe(0.5);
    expect(await reliability.read('d', NOW + 2000 + 60_000)).not.toBe(second);
  });

  it('answers as the other per-DAG routes while Airflow cannot be read for the DAG, and 503 before its past is read', async () => {
    const error = new DagNotFoundError('d');
    await expect(service(mirror({ snapshot: { error }, past: null })).read('d', NOW)).rejects.toBe(error);
    await expect(service(mirror({ snapshot: {}, past: null })).read('d', NOW)).rejects.toBeInstanceOf(ServiceUnavailableException);
  });

  it('judges budget_burn only for a DAG with objectives, naming the first that burns fast', () => {
    const failing = Array.from({ length: 5 }, (_, i) => run(`f${i}`, 'failed', NOW - (5 - i) * 3_600_000));
    const state = { snapshot: {}, past: { dagId: 'd', runs: failing, since: 0, complete: true, revision: 1 } as DagPast };
    const snapshot = { dagId: 'd', revision: 1 } as DagSnapshot;
    expect(service(mirror(state)).budgetBurn(snapshot, NOW)).toBeNull();
    const objectives = { perDag: { d: [{ metric: 'success', target: 0.99, windowMs: 30 * DAY }] } };
    const burn = service(mirror(state), objectives).budgetBurn(snapshot, NOW)!;
    expect(burn.objective).toBe('success 99 % over 30d');
    // All 5 runs failed where 1 % may: 100 times the allowed rate, 99 budgets overspent.
    expect(burn.rate).toBeCloseTo(100, 9);
    expect(burn.budgetLeft).toBeCloseTo(-99, 9);
  });
});
