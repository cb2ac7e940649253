import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Subject } from 'rxjs';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import { ReliabilityGauge, RELIABILITY_REFRESH } from './reliability.gauge.js';
import type { ReliabilityService } from './reliability.service.js';
import type { Reliability } from './reliability.types.js';

const DAGS = Array.from({ length: 250 }, (_, i) => `dag_${i}`);

function gauge(peek?: (dagId: string) => Reliability | null) {
  const changes = new Subject<DagSnapshot>();
  const store = { changes, allowedDagIds: DAGS, isAllowed: () => true } as unknown as MirrorStore;
  const recorded: string[] = [];
  const metrics = { recordReliability: (dagId: string) => recorded.push(dagId) } as unknown as MetricsService;
  const figures = { windows: [], objectives: [] } as unknown as Reliability;
  const reliability = { peek: peek ?? (() => figures) } as unknown as ReliabilityService;
  const scheduler = new SchedulerRegistry();
  return { gauge: new ReliabilityGauge(store, metrics, reliability, scheduler), recorded, changes, scheduler, figures };
}

describe('ReliabilityGauge', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('refreshes every watched DAG every minute, a hundred per turn of the event loop', async () => {
    jest.useFakeTimers();
    const { gauge: subject, recorded } = gauge();
    subject.onModuleInit();
    jest.advanceTimersByTime(60_000);
    // The first hundred at once; the others in later turns, so that what each read is released between them.
    expect(recorded).toHaveLength(100);
    await jest.runOnlyPendingTimersAsync();
    jest.runAllTicks();
    for (let i = 0; i < 5 && recorded.length < DAGS.length; i++) jest.advanceTimersToNextTimer();
    expect([...new Set(recorded)].sort()).toEqual([...DAGS].sort());
    subject.onModuleDestroy();
  });

  it('records a DAG when it changes, and nothing after it is destroyed', () => {
    const { gauge: subject, recorded, changes } = gauge();
    subject.onModuleInit();
    changes.next({ dagId: 'dag_7' } as DagSnapshot);
    expect(recorded).toEqual(['dag_7']);
    subject.onModuleDestroy();
    changes.next({ dagId: 'dag_8' } as DagSnapshot);
    expect(recorded).toEqual(['dag_7']);
  });

  it("refreshes through the app's SchedulerRegistry, and leaves it when destroyed", () => {
    const { gauge: subject, scheduler } = gauge();
    subject.onModuleInit();
    expect(scheduler.getIntervals()).toEqual([RELIABILITY_REFRESH]);
    subject.onModuleDestroy();
    expect(scheduler.getIntervals()).toEqual([]);
  });

  it('goes on past a DAG whose figures fail, and logs it once, not at every refresh', () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const {
      gauge: subject,
      recorded,
      changes,
    } = gauge((dagId) => {
      if (dagId === 'dag_1') throw new Error('broken past');
      return { windows: [], objectives: [] } as unknown as Reliability;
    });
    subject.onModuleInit();
    for (const dagId of ['dag_1', 'dag_2', 'dag_1']) changes.next({ dagId } as DagSnapshot);
    expect(recorded).toEqual(['dag_2']);
    expect(error).toHaveBeenCalledTimes(1);
    subject.onModuleDestroy();
    error.mockRestore();
  });
});
