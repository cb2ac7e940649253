import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import { Subject, type Observable } from 'rxjs';
import type { AllConfig } from '../config/config.type.js';
import type { DagOverviewDto } from '../dag-status/dag-status.dto.js';
import type { DagStatusService } from '../dag-status/dag-status.service.js';
import type { MirrorStore } from '../mirror/mirror.store.js';
import type { StatusEvent } from './events.ring.js';
import { EventsService } from './events.service.js';
import type { EventsSink } from './events.stream.js';

const DAGS = ['a', 'b'];
const overview = (dagId: string, state: string) =>
  ({ dag_id: dagId, state, fetched_at: String(Math.random()) }) as unknown as DagOverviewDto;

/** The service over one Subject of overviews per DAG (what DagStatusService.overviewChanges gives). */
function service(heartbeatMs = 60_000) {
  const changes = new Map(DAGS.map((d) => [d, new Subject<DagOverviewDto>()]));
  const status = {
    overviewChanges: ([d]: string[]): Observable<DagOverviewDto> => changes.get(d)!.asObservable(),
  } as unknown as DagStatusService;
  const store = { allowedDagIds: DAGS, isAllowed: (d: string) => DAGS.includes(d) } as unknown as MirrorStore;
  const config = { getOrThrow: () => ({ maxStreams: 2, heartbeatMs }) } as unknown as ConfigService<AllConfig, true>;
  return { events: new EventsService(status, store, config), emit: (d: string, state: string) => changes.get(d)!.next(overview(d, state)) };
}

interface Recorder extends EventsSink {
  hellos: string[];
  got: Array<[string, string, number]>;
  beats: number;
  ended: boolean;
}
function recorder(): Recorder {
  const r: Recorder = {
    hellos: [],
    got: [],
    beats: 0,
    ended: false,
    hello: (id) => r.hellos.push(id),
    event: (e: StatusEvent) => r.got.push([e.dagId, (e.overview as unknown as { state: string }).state, e.id]),
    heartbeat: () => (r.beats += 1),
    end: () => (r.ended = true),
  };
  return r;
}

afterEach(() => {
  jest.useRealTimers();
});

describe('EventsService', () => {
  it("gives a stream that joins every live channel's latest, whatever order their ids are in", () => {
    const { events, emit } = service();
    const first = recorder();
    events.open(DAGS, undefined, first);
    // b's latest gets the smaller id, a's the greater.
    emit('b', 'success');
    emit('a', 'failed');
    const second = recorder();
    events.open(DAGS, undefined, second);
    expect(second.hellos).toEqual(['']);
    expect(second.got.map(([d, s]) => [d, s])).toEqual([
      ['a', 'failed'],
      ['b', 'success'],
    ]);
    emit('b', 'running');
    expect(second.got.at(-1)?.slice(0, 2)).toEqual(['b', 'running']);
    expect(first.got.map(([d, s]) => `${d}:${s}`)).toEqual(['b:success', 'a:failed', 'b:running']);
  });

  it('sends a stream of every DAG the DAGs that join the watched set while it is open, and only to such streams', () => {
    const ids = ['a'];
    const subjects = new Map(['a', 'c'].map((d) => [d, new Subject<DagOverviewDto>()]));
    const storeChanges = new Subject<{ dagId: string }>();
    const status = { overviewChanges: ([d]: string[]) => subjects.get(d)!.asObservable() } as unknown as DagStatusService;
    const store = {
      get allowedDagIds() {
        return ids;
      },
      isAllowed: (d: string) => ids.includes(d),
      changes: storeChanges.asObservable(),
    } as unknown as MirrorStore;
    const config = { getOrThrow: () => ({ maxStreams: 5, heartbeatMs: 60_000 }) } as unknown as ConfigService<AllConfig, true>;
    const events = new EventsService(status, store, config);
    events.onModuleInit();
    const everything = recorder();
    const onlyA = recorder();
    const close = events.open(events.dagIdsOf(undefined), undefined, everything);
    events.open(['a'], undefined, onlyA);
    subjects.get('a')!.next(overview('a', 'success'));
    // The mirror discovers c: it joins the watched set and announces its first snapshot.
    ids.push('c');
    storeChanges.next({ dagId: 'c' });
    subjects.get('c')!.next(overview('c', 'running'));
    expect(everything.got.map(([d, st]) => `${d}:${st}`)).toEqual(['a:success', 'c:running']);
    expect(onlyA.got.map(([d, st]) => `${d}:${st}`)).toEqual(['a:success']);
    close();
    subjects.get('c')!.next(overview('c', 'failed'));
    expect(everything.got).toHaveLength(2);
    events.onModuleDestroy();
  });

  it('does not send a DAG again when a refresh tells nothing new', () => {
    const { events, emit } = service();
    const stream = recorder();
    events.open(['a'], undefined, stream);
    emit('a', 'success');
    emit('a', 'success');
    emit('a', 'failed');
    expect(stream.got.map(([, s]) => s)).toEqual(['success', 'failed']);
  });

  it('resumes after a known id with the events missed since, and nothing it has', () => {
    const { events, emit } = service();
    const watcher = recorder();
    events.open(DAGS, undefined, watcher);
    emit('a', 'success');
    emit('b', 'success');
    const lastSeen = watcher.got.at(-1)![2];
    emit('a', 'running');
    emit('a', 'failed');
    const back = recorder();
    events.open(DAGS, String(lastSeen), back);
    expect(back.hellos).toEqual([String(lastSeen)]);
    expect(back.got.map(([d, s]) => `${d}:${s}`)).toEqual(['a:running', 'a:failed']);
  });

  it('beats for every open stream on one timer, and stops it once none is open', () => {
    jest.useFakeTimers();
    const { events } = service(1000);
    const [x, y] = [recorder(), recorder()];
    const closeX = events.open(['a'], undefined, x);
    const closeY = events.open(['b'], undefined, y);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(2000);
    expect([x.beats, y.beats]).toEqual([2, 2]);
    closeX();
    closeY();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('ends every stream on shutdown and admits none after it', () => {
    const { events } = service();
    const stream = recorder();
    const release = events.tryAdmit()!;
    events.open(DAGS, undefined, stream);
    events.beforeApplicationShutdown();
    expect(stream.ended).toBe(true);
    expect(events.tryAdmit()).toBeUndefined();
    expect(() => events.admit()).toThrow('stopping');
    release();
  });

  it('counts streams against MAX_EVENT_STREAMS, each released once', () => {
    const { events } = service();
    const first = events.admit();
    events.admit();
    expect(events.tryAdmit()).toBeUndefined();
    expect(() => events.admit()).toThrow('MAX_EVENT_STREAMS=2');
    first();
    first();
    expect(events.openStreams).toBe(1);
  });
});
