import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.type.js';
import type { NotificationsConfig, WebhookFormat, WebhookTarget } from '../config/notifications.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { render, type WireBody } from './notifications.formats.js';
import { WebhookSigner } from './notifications.signer.js';
import type { Notification } from './notifications.types.js';

/** Requests in flight to one webhook at once (each for a different DAG). */
const CONCURRENCY_PER_WEBHOOK = 8;
/** The first retry waits about this long; each next one twice as long, up to RETRY_MAX_MS. */
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 5 * 60_000;
const USER_AGENT = 'airflow-status-api (webhooks)';

/** One notification on its way to one webhook. */
interface Job {
  readonly notification: Notification;
  readonly wire: WireBody;
  /** Date.now() when queued: it is given up NOTIFY_GIVE_UP_MS later. */
  readonly queuedAt: number;
  attempts: number;
  /** Date.now() before which it is not tried again. */
  notBefore: number;
}

/** One webhook's deliveries: per DAG a queue in order, its head in flight or waiting for its retry. */
interface Lane {
  readonly target: WebhookTarget;
  readonly queues: Map<string, Job[]>;
  /** DAGs with a request in flight: one at a time per DAG keeps their order. */
  readonly busy: Set<string>;
  timer: NodeJS.Timeout | null;
}

/** What one attempt met. */
type Attempt =
  | { readonly kind: 'sent' }
  | { readonly kind: 'retry'; readonly problem: string; readonly retryAfterMs: number | null }
  | { readonly kind: 'refused'; readonly problem: string }
  | { readonly kind: 'stopped' };

/**
 * Delivers notifications to the webhooks of NOTIFY_WEBHOOKS: signed (Standard Webhooks), one
 * request in flight per DAG and webhook so that a DAG's notifications arrive in order, retried
 * with exponential backoff and jitter on timeouts, connection errors, 5xx and 429 (never sooner
 * than a Retry-After says), given up NOTIFY_GIVE_UP_MS after being queued with one log line. The
 * queue holds NOTIFY_QUEUE_SIZE at most for every webhook together; beyond, a notification is
 * dropped, counted and logged. Receivers are not Airflow: plain fetch, with its own deadline.
 */
@Injectable()
export class NotificationsDelivery implements OnApplicationShutdown {
  private readonly logger = new Logger('Notifications');
  private readonly config: NotificationsConfig;
  private readonly signer: WebhookSigner;
  private readonly lanes: Lane[];
  private readonly stopping = new AbortController();
  /** Notifications queued or in flight, every webhook together. */
  private depth = 0;
  /** Dropped since the queue was last below half full, for the line that says it has room again. */
  private dropped = 0;

  constructor(
    private readonly metrics: MetricsService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('notifications', { infer: true });
    this.signer = new WebhookSigner(this.config.secrets);
    this.lanes = this.config.webhooks.map((target) => ({ target, queues: new Map(), busy: new Set(), timer: null }));
  }

  /** Notifications queued or in flight now. */
  get queued(): number {
    return this.depth;
  }

  /** Queues the notification for every webhook (or drops it for those the full queue has no room for). */
  enqueue(notification: Notification): void {
    const bodies = new Map<WebhookFormat, WireBody>();
    for (const lane of this.lanes) {
      if (this.stopping.signal.aborted) return;
      if (this.depth >= this.config.queueSize) {
        this.drop(lane.target, notification);
        continue;
      }
      const format = lane.target.format;
      let wire = bodies.get(format);
      if (wire === undefined) bodies.set(format, (wire = render(notification, format)));
      const job: Job = { notification, wire, queuedAt: Date.now(), attempts: 0, notBefore: 0 };
      const queue = lane.queues.get(notification.dagId);
      if (queue === undefined) lane.queues.set(notification.dagId, [job]);
      else queue.push(job);
      this.depth += 1;
      this.pump(lane);
    }
    this.metrics.setNotificationQueueDepth(this.depth);
  }

  onApplicationShutdown(): void {
    this.stopping.abort();
    for (const lane of this.lanes) if (lane.timer !== null) clearTimeout(lane.timer);
    if (this.depth > 0) this.logger.warn(`Stopping with ${this.depth} notification(s) not delivered`);
  }

  /** How long the retry after `attempts` failed attempts waits: exponential, with jitter (half to all of it). */
  protected backoffMs(attempts: number): number {
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
    return Math.round(ceiling * (0.5 + Math.random() / 2));
  }

  /** Starts what can start on the lane, and wakes it when the next retry is due. */
  private pump(lane: Lane): void {
    if (this.stopping.signal.aborted) return;
    const now = Date.now();
    let due = Infinity;
    for (const [dagId, queue] of lane.queues) {
      if (lane.busy.size >= CONCURRENCY_PER_WEBHOOK) break;
      if (lane.busy.has(dagId)) continue;
      const head = queue[0];
      if (head.notBefore > now) due = Math.min(due, head.notBefore);
      else this.start(lane, dagId, head);
    }
    if (lane.timer !== null) clearTimeout(lane.timer);
    lane.timer = null;
    if (due !== Infinity) {
      lane.timer = setTimeout(() => this.pump(lane), due - now);
      lane.timer.unref();
    }
  }

  private start(lane: Lane, dagId: string, job: Job): void {
    lane.busy.add(dagId);
    job.attempts += 1;
    void this.attempt(lane.target, job)
      .catch((caught: unknown): Attempt => ({ kind: 'retry', problem: `failed (${networkProblem(caught)})`, retryAfterMs: null }))
      .then((attempt) => this.settle(lane, dagId, job, attempt));
  }

  /** One POST of the job to the webhook, signed afresh (the timestamp is the attempt's). */
  private async attempt(target: WebhookTarget, job: Job): Promise<Attempt> {
    const { id } = job.notification;
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': job.wire.contentType,
      'user-agent': USER_AGENT,
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
    };
    const signature = this.signer.sign(id, timestamp, job.wire.body);
    if (signature !== null) headers['webhook-signature'] = signature;
    if (target.authorization !== null) headers.authorization = target.authorization;
    const deadline = AbortSignal.timeout(this.config.timeoutMs);
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers,
        body: job.wire.body,
        // A redirect would resend a signed body somewhere else: it is an answer like any other.
        redirect: 'manual',
        signal: AbortSignal.any([deadline, this.stopping.signal]),
      });
      // The answer's body is not read (nor ever logged: it may echo the request).
      await response.body?.cancel().catch(() => undefined);
      const { status } = response;
      if (status >= 200 && status < 300) return { kind: 'sent' };
      if (status === 429 || status === 408 || status >= 500) {
        return { kind: 'retry', problem: `HTTP ${status}`, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
      }
      return { kind: 'refused', problem: `HTTP ${status}` };
    } catch (caught) {
      if (this.stopping.signal.aborted) return { kind: 'stopped' };
      if (deadline.aborted)
        return { kind: 'retry', problem: `no answer within NOTIFY_TIMEOUT_MS (${this.config.timeoutMs} ms)`, retryAfterMs: null };
      return { kind: 'retry', problem: `cannot be reached (${networkProblem(caught)})`, retryAfterMs: null };
    }
  }

  private settle(lane: Lane, dagId: string, job: Job, attempt: Attempt): void {
    lane.busy.delete(dagId);
    if (attempt.kind === 'stopped') return;
    const { notification } = job;
    const what = `notification ${notification.id} (${notification.type} of ${dagId}) to webhook ${lane.target.position} (${lane.target.shown})`;
    const now = Date.now();
    let done = true;
    if (attempt.kind === 'sent') {
      this.metrics.recordNotification('sent', (performance.now() - notification.seenAt) / 1000);
      if (job.attempts > 1) this.logger.log(`Delivered ${what} at attempt ${job.attempts}`);
    } else if (attempt.kind === 'refused') {
      this.metrics.recordNotification('failed');
      this.logger.warn(`The receiver refused ${what} with ${attempt.problem}; not retried`);
    } else {
      const wait = Math.max(this.backoffMs(job.attempts), attempt.retryAfterMs ?? 0);
      if (now + wait > job.queuedAt + this.config.giveUpMs) {
        this.metrics.recordNotification('failed');
        const after =
          attempt.retryAfterMs !== null && attempt.retryAfterMs === wait ? ', and its Retry-After is past NOTIFY_GIVE_UP_MS' : '';
        this.logger.warn(
          `Gave up on ${what} after ${job.attempts} attempt(s) in ${Math.round((now - job.queuedAt) / 1000)} s (NOTIFY_GIVE_UP_MS=${this.config.giveUpMs}): last ${attempt.problem}${after}`,
        );
      } else {
        done = false;
        job.notBefore = now + wait;
        this.metrics.recordNotificationRetry();
        this.logger.debug(`Retrying ${what} in ${wait} ms: ${attempt.problem}`);
      }
    }
    if (done) this.remove(lane, dagId);
    this.pump(lane);
  }

  /** The DAG's head is done with: the next one of that DAG may go. */
  private remove(lane: Lane, dagId: string): void {
    const queue = lane.queues.get(dagId);
    queue?.shift();
    if (queue?.length === 0) lane.queues.delete(dagId);
    this.depth -= 1;
    this.metrics.setNotificationQueueDepth(this.depth);
    // Below half, not at the first free slot: a burst refills that slot at once, and each refill
    // would be an overflow of its own (a pair of lines per delivery while it lasts).
    if (this.dropped > 0 && this.depth <= this.config.queueSize / 2) {
      this.logger.warn(`The notification queue has room again; ${this.dropped} notification(s) were dropped while it was full`);
      this.dropped = 0;
    }
  }

  private drop(target: WebhookTarget, notification: Notification): void {
    this.metrics.recordNotification('dropped');
    this.dropped += 1;
    // One line per overflow, not per notification: a burst would flood the log.
    if (this.dropped === 1) {
      this.logger.warn(
        `The notification queue is full (NOTIFY_QUEUE_SIZE=${this.config.queueSize}): dropped ${notification.type} of ${notification.dagId} for webhook ${target.position} (${target.shown}), and any more until there is room`,
      );
    }
  }
}

/** Retry-After in ms (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** A connection failure in a word (ECONNREFUSED, ENOTFOUND, …): never the error's text, which may hold the URL. */
function networkProblem(caught: unknown): string {
  const cause = (caught as { cause?: { code?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  const name = (caught as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'unknown error';
}
