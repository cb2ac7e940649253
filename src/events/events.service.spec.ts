import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import { Subject } from 'rxjs';
import type { AllConfig } from '../config/config.type.js';
import type { DagStatusService } from '../dag-status/dag-status.service.js';
import type { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import { EventsService } from './events.service.js';
import { MAX_UNREAD_BYTES } from './events.stream.js';
import { runOf } from '../airflow/airflow.fixtures.js';
import { overviewOf } from '../dag-status/dag-status.fixtures.js';

/** A response whose client reads only when told to. */
class FakeResponse extends EventEmitter {
  head: { status: number; headers: Record<string, string> } | null = null;
  received = '';
  writableLength = 0;
  destroyed = false;
  writableEnded = false;
  readonly socket = { setTimeout: () => this.socket, setKeepAlive: () => this.socket };
  readonly req = { method: 'GET' };
  private pending: string[] = [];

  /** `capacity`: the unread characters at which write() asks the writer to wait for 'drain'. */
  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {
    super();
  }

  get res(): ServerResponse {
    return this as unknown as ServerResponse;
  }

  writeHead(status: number, headers: Record<string, string>): this {
    this.head = { status, headers };
    return this;
  }

  write(chunk: string): boolean {
    this.pending.push(chunk);
    this.writableLength += chunk.length;
    return this.writableLength < this.capacity;
  }

  /** The client reads what is written so far. */
  read(): void {
    const full = this.writableLength >= this.capacity;
    this.received += this.pending.join('');
    this.pending = [];
    this.writableLength = 0;
    if (full) this.emit('drain');
  }

  readAll(): void {
    while (this.writableLength > 0) this.read();
  }

  /** The status events read, as `dagId:state`. */
  get got(): string[] {
    return this.events.map(([, data]) => `${data.dag_id}:${data.state}`);
  }

  get events(): Array<[number, { dag_id: string; state: string }]> {
    return [...this.received.matchAll(/^event: status\nid: (\d+)\ndata: (.*)\n\n/gm)].map((m) => [Number(m[1]), JSON.parse(m[2])]);
  }

  end(): void {
    this.writableEnded = true;
    this.emit('close');
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

/** The mirror as the service sees it: DAGs at revisions, and their changes. */
function mirror(dagIds: string[]) {
  const snapshots = new Map<string, DagSnapshot>();
  const changes = new Subject<DagSnapshot>();
  const ids = [...dagIds];
  const store = {
    get allowedDagIds() {
      return ids;
    },
    isAllowed: (d: string) => ids.includes(d),
    current: (d: string) => snapshots.get(d),
    read: jest.fn(() => Promise.resolve()),
    changes: changes.asObservable(),
  } as unknown as MirrorStore;
  /** The DAG shows `state` at its next revision. */
  const set = (dagId: string, state: string, announce = true) => {
    const snapshot = { dagId, revision: (snapshots.get(dagId)?.revision ?? 0) + 1, state } as unknown as DagSnapshot;
    snapshots.set(dagId, snapshot);
    if (announce) changes.next(snapshot);
  };
  return { store, set, ids, changes };
}

function service(dagIds = ['a', 'b'], { maxStreams = 5, heartbeatMs = 60_000 } = {}) {
  const m = mirror(dagIds);
  const status = {
    describe: (s: DagSnapshot) =>
      overviewOf({ dagId: s.dagId, run: runOf({ dagId: s.dagId, state: (s as unknown as { state: string }).state }) }),
  } as unknown as DagStatusService;
  const config = { getOrThrow: () => ({ maxStreams, heartbeatMs }) } as unknown as ConfigService<AllConfig, true>;
  const events = new EventsService(status, m.store, config);
  events.onModuleInit();
  const open = (ids?: string[], lastEventId?: string, client = new FakeResponse()) => {
    events.open(ids, lastEventId, client.res);
    return client;
  };
  return { events, open, ...m };
}

afterEach(() => {
  jest.useRealTimers();
});

describe('EventsService', () => {
  it('opens with the headers, a retry hint and each wanted DAG’s latest in id order, then sends each change once', () => {
    const { open, set } = service();
    set('b', 'success');
    set('a', 'failed');
    const client = open();
    const one = open(['b']);
    set('a', 'running');
    set('b', 'running');
    client.readAll();
    one.readAll();
    expect(client.head).toMatchObject({ status: 200, headers: { 'Content-Type': 'text/event-stream' } });
    expect(client.received).toMatch(/^id: \nretry: 3000\n: airflow-status-api status events\n\n/);
    expect(client.got).toEqual(['a:failed', 'b:success', 'a:running', 'b:running']);
    const ids = client.events.map(([id]) => id);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(one.got).toEqual(['b:success', 'b:running']);
  });

  it('numbers a revision once: a DAG that nobody followed meanwhile keeps its id when unchanged', () => {
    const { open, set } = service();
    set('a', 'success');
    set('b', 'success');
    const first = open();
    first.readAll();
    first.end();
    set('a', 'running', false);
    const second = open();
    second.readAll();
    const idOf = (c: FakeResponse, dagId: string) => c.events.find(([, d]) => d.dag_id === dagId)![0];
    expect(idOf(second, 'b')).toBe(idOf(first, 'b'));
    expect(idOf(second, 'a')).toBeGreaterThan(idOf(first, 'b'));
    expect(second.got).toEqual(['b:success', 'a:running']);
  });

  it('sends nothing for a revision whose overview shows nothing new', () => {
    const { open, set } = service();
    set('a', 'success');
    const client = open(['a']);
    set('a', 'success'); // e.g. the DAG's owners changed: not in the overview
    set('a', 'failed');
    client.readAll();
    expect(client.got).toEqual(['a:success', 'a:failed']);
  });

  it('resumes after a known id with every event missed since, and starts afresh from an unknown one', () => {
    const { open, set } = service();
    set('a', 'success');
    set('b', 'success');
    const watcher = open();
    watcher.readAll();
    const [lastSeen] = watcher.events.at(-1)!;
    set('a', 'running');
    set('a', 'failed');
    const back = open(undefined, String(lastSeen));
    back.readAll();
    expect(back.received).toMatch(new RegExp(`^id: ${lastSeen}\n`));
    expect(back.got).toEqual(['a:running', 'a:failed']);
    const lost = open(undefined, '12');
    lost.readAll();
    expect(lost.received).toMatch(/^id: \n/);
    expect(lost.got).toEqual(['b:success', 'a:failed']);
  });

  it('writes the opening of thousands of DAGs as the client reads, so that a reader is never cut for it', () => {
    const dagIds = Array.from({ length: 5000 }, (_, i) => `dag_${i}`);
    const { open, set } = service(dagIds);
    for (const dagId of dagIds) set(dagId, `s${'x'.repeat(1000)}`);
    const client = open(undefined, undefined, new FakeResponse(64 * 1024));
    // The opening alone is more than a slow reader may leave unread: only what fits is written at once.
    expect(5000 * 1000).toBeGreaterThan(MAX_UNREAD_BYTES);
    expect(client.writableLength).toBeLessThan(70 * 1024);
    // dag_0 went out already, dag_4000 not yet.
    set('dag_0', 'changed');
    set('dag_4000', 'changed');
    client.readAll();
    expect(client.destroyed).toBe(false);
    const got = client.got;
    expect(got).toHaveLength(5001);
    expect(new Set(got.map((e) => e.split(':')[0])).size).toBe(5000);
    // Changes during the opening come in id order after it; a DAG not sent yet goes out only as it is now.
    expect(got.slice(-2)).toEqual(['dag_0:changed', 'dag_4000:changed']);
    expect(got.filter((e) => e.startsWith('dag_4000:'))).toHaveLength(1);
  });

  it('cuts a client that leaves more than MAX_UNREAD_BYTES of new events unread', () => {
    const { open, set } = service();
    set('a', 'success');
    const client = open(['a']);
    for (let i = 0; i < 6 && !client.destroyed; i++) set('a', `${i}${'x'.repeat(1024 * 1024)}`);
    expect(client.destroyed).toBe(true);
  });

  it('sends a stream of every DAG the DAGs that join while it is open, and forgets the ones that leave', () => {
    const { open, set, ids } = service(['a']);
    set('a', 'success');
    const every = open();
    const onlyA = open(['a']);
    ids.push('c');
    set('c', 'running');
    ids.splice(0, 1);
    set('a', 'dag_not_found');
    every.readAll();
    onlyA.readAll();
    expect(every.got).toEqual(['a:success', 'c:running', 'a:dag_not_found']);
    expect(onlyA.got).toEqual(['a:success', 'a:dag_not_found']);
    const later = open();
    later.readAll();
    expect(later.got).toEqual(['c:running']);
  });

  it('asks the mirror for a DAG not read yet, and sends it once announced', () => {
    const { open, set, store } = service();
    set('a', 'success');
    const client = open();
    expect(store.read).toHaveBeenCalledWith('b');
    set('b', 'failed');
    client.readAll();
    expect(client.got).toEqual(['a:success', 'b:failed']);
  });

  it('refuses a DAG not watched (404) and streams past MAX_EVENT_STREAMS (503), admitting again once one closes', () => {
    const { open } = service(['a'], { maxStreams: 2 });
    expect(() => open(['z'])).toThrow('DAG "z" was not found');
    const first = open();
    open(['a']);
    expect(() => open()).toThrow('MAX_EVENT_STREAMS=2');
    first.destroy();
    expect(() => open()).not.toThrow();
  });

  it('beats for every open stream on one timer, and stops it once none is open', () => {
    jest.useFakeTimers();
    const { open } = service(['a', 'b'], { heartbeatMs: 1000 });
    const [x, y] = [open(['a']), open(['b'])];
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(2000);
    for (const client of [x, y]) {
      client.read();
      expect(client.received.match(/^: heartbeat\n\n/gm)).toHaveLength(2);
      client.end();
    }
    expect(jest.getTimerCount()).toBe(0);
  });

  it('answers a HEAD with the head alone, and a client gone before its handler ran with nothing', () => {
    const { open } = service();
    const head = new FakeResponse();
    head.req.method = 'HEAD';
    open(undefined, undefined, head);
    expect(head.head?.status).toBe(200);
    expect(head.writableEnded).toBe(true);
    const gone = new FakeResponse();
    gone.destroyed = true;
    open(undefined, undefined, gone);
    expect(gone.head).toBeNull();
    // Neither counts against MAX_EVENT_STREAMS (5 here).
    for (let i = 0; i < 5; i++) open();
  });

  it('ends every stream on shutdown and admits none after it', () => {
    const { events, open } = service();
    const client = open();
    events.beforeApplicationShutdown();
    expect(client.writableEnded).toBe(true);
    expect(() => open()).toThrow('stopping');
  });
});
