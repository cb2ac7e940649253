import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { Webhook } from 'standardwebhooks';
import type { AllConfig } from '../config/config.type.js';
import { parseNotificationsConfig } from '../config/notifications.config.js';
import type { DagOverviewDto } from '../overview/overview.dto.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { NotificationsDelivery, retryAfterMs } from './notifications.delivery.js';
import type { Notification } from './notifications.types.js';

const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;

/** The delivery with retries a few ms apart instead of seconds (what is tested is when it retries, not how long it waits). */
class QuickDelivery extends NotificationsDelivery {
  protected override backoffMs(attempts: number): number {
    return 10 * attempts;
  }
}

interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly at: number;
  readonly id: string;
  readonly seq: number;
}

/** A webhook receiver on a local port; `answer` decides each request's fate (it may never answer). */
class Receiver {
  readonly received: Received[] = [];
  answer: (request: Received, response: ServerResponse) => void = (_r, response) => response.writeHead(204).end();
  private readonly inFlight = new Map<string, number>();
  /** The most requests in flight at once for one DAG, and for all together. */
  maxPerDag = 0;
  maxTotal = 0;
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        // A CloudEvent: the notification's overview (here its DAG and sequence) is its data.
        const { dag_id: dag, seq } = (JSON.parse(body) as { data: { dag_id: string; seq: number } }).data;
        const got: Received = {
          path: request.url ?? '',
          headers: request.headers,
          body,
          at: Date.now(),
          id: String(request.headers['webhook-id']),
          seq,
        };
        this.received.push(got);
        this.inFlight.set(dag, (this.inFlight.get(dag) ?? 0) + 1);
        this.maxPerDag = Math.max(this.maxPerDag, this.inFlight.get(dag)!);
        this.maxTotal = Math.max(
          this.maxTotal,
          [...this.inFlight.values()].reduce((a, b) => a + b, 0),
        );
        response.on('close', () => this.inFlight.set(dag, this.inFlight.get(dag)! - 1));
        this.answer(got, response);
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A notification whose body (CloudEvents: the overview as data) names its DAG and sequence, for the receiver. */
function note(dag: string, seq: number): Notification {
  const overview = { dag_id: dag, seq } as unknown as DagOverviewDto;
  return { id: `msg_${dag}_${seq}`, type: 'failed', dagId: dag, overview, time: new Date().toISOString(), seenAt: performance.now() };
}

/** Polls until `probe` holds (these waits are on conditions: no timing is asserted). */
async function until(what: string, probe: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let receiver: Receiver;
let base: string;
let delivery: NotificationsDelivery | undefined;
let metrics: MetricsService;
let warnings: string[];

beforeEach(async () => {
  receiver = new Receiver();
  base = await receiver.listen();
  metrics = new MetricsService();
  warnings = [];
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
});

afterEach(async () => {
  delivery?.onApplicationShutdown();
  delivery = undefined;
  jest.restoreAllMocks();
  await receiver.close();
});

function deliver(env: Record<string, string> = {}): NotificationsDelivery {
  const config = parseNotificationsConfig({ NOTIFY_WEBHOOKS: `${base}/hook`, NOTIFY_SECRETS: SECRET, ...env });
  const service = { getOrThrow: () => config } as unknown as ConfigService<AllConfig, true>;
  delivery = new QuickDelivery(metrics, service);
  return delivery;
}

async function metric(name: string): Promise<number> {
  const found = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (found?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}
async function outcome(which: string): Promise<number> {
  const found = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'airflow_status_notifications_total');
  return found?.values.find((v) => v.labels.outcome === which)?.value ?? 0;
}

describe('NotificationsDelivery', () => {
  it('posts signed requests, one in flight per DAG so that each DAG keeps its order, several DAGs at once', async () => {
    receiver.answer = (_r, response) => setTimeout(() => response.writeHead(200).end('ok'), 30);
    const d = deliver();
    for (let seq = 1; seq <= 5; seq++) for (const dag of ['a', 'b', 'c']) d.enqueue(note(dag, seq));
    await until('15 deliveries', () => receiver.received.length === 15 && d.queued === 0);
    for (const dag of ['a', 'b', 'c']) {
      expect(receiver.received.filter((r) => r.id.startsWith(`msg_${dag}_`)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    }
    expect(receiver.maxPerDag).toBe(1);
    expect(receiver.maxTotal).toBeGreaterThan(1);
    const [first] = receiver.received;
    expect(first.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(() => new Webhook(SECRET).verify(first.body, first.headers as Record<string, string>)).not.toThrow();
    expect(await outcome('sent')).toBe(15);
    expect(await metric('airflow_status_notification_queue_depth')).toBe(0);
    expect(await metrics.metrics()).toContain('airflow_status_notification_latency_seconds_count 15');
  });

  it('retries a 500, a hang and a 429 (not before its Retry-After), with the same id, before the next of the DAG', async () => {
    const fates = ['500', 'hang', '429'];
    receiver.answer = (request, response) => {
      const fate = request.seq === 1 ? fates.shift() : undefined;
      if (fate === '500') response.writeHead(500).end();
      else if (fate === '429') response.writeHead(429, { 'Retry-After': '1' }).end();
      else if (fate !== 'hang') response.writeHead(202).end();
    };
    const d = deliver({ NOTIFY_TIMEOUT_MS: '300' });
    d.enqueue(note('a', 1));
    d.enqueue(note('a', 2));
    await until('both delivered', () => d.queued === 0);
    expect(receiver.received.map((r) => r.seq)).toEqual([1, 1, 1, 1, 2]);
    expect(new Set(receiver.received.slice(0, 4).map((r) => r.id)).size).toBe(1);
    // Each attempt is signed afresh, and every one verifies.
    for (const r of receiver.received) expect(() => new Webhook(SECRET).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
    expect(receiver.received[3].at - receiver.received[2].at).toBeGreaterThanOrEqual(1000);
    expect(await metric('airflow_status_notification_retries_total')).toBe(3);
    expect(await outcome('sent')).toBe(2);
    expect(warnings).toEqual([]);
  });

  it('gives up after NOTIFY_GIVE_UP_MS with one line that shows no secret of the URL, then goes on with the DAG', async () => {
    receiver.answer = (request, response) => response.writeHead(request.seq === 1 ? 503 : 200).end();
    const config = parseNotificationsConfig({ NOTIFY_WEBHOOKS: `${base}/services/T0/s3cr3t?token=tok3n`, NOTIFY_GIVE_UP_MS: '1000' });
    delivery = new QuickDelivery(metrics, { getOrThrow: () => config } as unknown as ConfigService<AllConfig, true>);
    delivery.enqueue(note('a', 1));
    delivery.enqueue(note('a', 2));
    await until('the second delivered', () => receiver.received.some((r) => r.seq === 2));
    expect(receiver.received.filter((r) => r.seq === 1).length).toBeGreaterThan(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Gave up on notification msg_a_1 \(failed of a\) to webhook 1 \(http:\/\/127\.0\.0\.1:\d+\/services\/\[REDACTED\]\?\[REDACTED\]\) after \d+ attempt\(s\) in \d+ s \(NOTIFY_GIVE_UP_MS=1000\): last HTTP 503$/,
    );
    expect(warnings[0]).not.toMatch(/s3cr3t|tok3n/);
    expect(await outcome('failed')).toBe(1);
    expect(await outcome('sent')).toBe(1);
  });

  it('gives up at once when a Retry-After is past NOTIFY_GIVE_UP_MS', async () => {
    receiver.answer = (_r, response) => response.writeHead(429, { 'Retry-After': '3600' }).end();
    const d = deliver({ NOTIFY_GIVE_UP_MS: '60000' });
    d.enqueue(note('a', 1));
    await until('given up', () => d.queued === 0);
    expect(receiver.received).toHaveLength(1);
    expect(warnings[0]).toMatch(/last HTTP 429, and its Retry-After is past NOTIFY_GIVE_UP_MS$/);
  });

  it('does not retry what the receiver refuses (a 4xx other than 408 and 429, a redirect)', async () => {
    receiver.answer = (request, response) => {
      if (request.seq === 1) response.writeHead(400).end();
      else response.writeHead(302, { Location: 'http://127.0.0.1:1/' }).end();
    };
    const d = deliver();
    d.enqueue(note('a', 1));
    d.enqueue(note('a', 2));
    await until('both refused', () => d.queued === 0);
    expect(receiver.received.map((r) => r.seq)).toEqual([1, 2]);
    expect(warnings).toEqual([
      expect.stringMatching(/^The receiver refused notification msg_a_1 .* with HTTP 400; not retried$/),
      expect.stringMatching(/^The receiver refused notification msg_a_2 .* with HTTP 302; not retried$/),
    ]);
    expect(await outcome('failed')).toBe(2);
  });

  it('retries a receiver that cannot be reached, naming only the error code', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = new Receiver();
    const url = await closed.listen();
    await closed.close();
    const config = parseNotificationsConfig({ NOTIFY_WEBHOOKS: `${url}/hook`, NOTIFY_GIVE_UP_MS: '1000' });
    delivery = new QuickDelivery(metrics, { getOrThrow: () => config } as unknown as ConfigService<AllConfig, true>);
    delivery.enqueue(note('a', 1));
    await until('given up', () => delivery!.queued === 0);
    expect(warnings).toEqual([expect.stringMatching(/: last cannot be reached \(ECONNREFUSED\)$/)]);
    expect(await metric('airflow_status_notification_retries_total')).toBeGreaterThan(0);
  });

  it('bounds its queue: beyond NOTIFY_QUEUE_SIZE a notification is dropped, counted, and logged once', async () => {
    receiver.answer = () => undefined; // hangs: nothing leaves the queue
    const d = deliver({ NOTIFY_QUEUE_SIZE: '10', NOTIFY_TIMEOUT_MS: '60000' });
    for (let seq = 1; seq <= 25; seq++) d.enqueue(note(`dag_${seq % 4}`, seq));
    expect(d.queued).toBe(10);
    expect(await outcome('dropped')).toBe(15);
    expect(await metric('airflow_status_notification_queue_depth')).toBe(10);
    expect(warnings).toEqual([
      expect.stringMatching(/^The notification queue is full \(NOTIFY_QUEUE_SIZE=10\): dropped failed of dag_\d /),
    ]);
  });

  it('logs an overflow once while a burst lasts, and its count once the queue is half empty', async () => {
    const waiting: ServerResponse[] = [];
    receiver.answer = (_r, response) => void waiting.push(response); // answered when the test says
    const d = deliver({ NOTIFY_QUEUE_SIZE: '10', NOTIFY_TIMEOUT_MS: '60000' });
    for (let seq = 1; seq <= 12; seq++) d.enqueue(note(`dag_${seq % 4}`, seq));
    await until('a request per DAG in flight', () => waiting.length === 4);
    // Each slot freed is taken again at once: the burst goes on, and so does its overflow.
    for (let round = 0; round < 3; round++) {
      waiting.shift()!.writeHead(204).end();
      await until('a slot freed', () => d.queued === 9);
      d.enqueue(note('dag_9', 100 + round));
      d.enqueue(note('dag_9', 200 + round));
    }
    expect(await outcome('dropped')).toBe(5);
    expect(warnings).toHaveLength(1);
    receiver.answer = (_r, response) => response.writeHead(204).end();
    for (const response of waiting.splice(0)) response.writeHead(204).end();
    await until('the queue half empty', () => d.queued <= 5);
    expect(warnings).toEqual([
      expect.stringMatching(/^The notification queue is full \(NOTIFY_QUEUE_SIZE=10\): /),
      'The notification queue has room again; 5 notification(s) were dropped while it was full',
    ]);
  });

  it('stops at shutdown, saying how many were not delivered', async () => {
    receiver.answer = () => undefined;
    const d = deliver({ NOTIFY_TIMEOUT_MS: '60000' });
    d.enqueue(note('a', 1));
    d.enqueue(note('a', 2));
    await until('the first in flight', () => receiver.received.length === 1);
    d.onApplicationShutdown();
    delivery = undefined;
    expect(warnings).toEqual(['Stopping with 2 notification(s) not delivered']);
    d.enqueue(note('b', 1));
    expect(d.queued).toBe(2);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
