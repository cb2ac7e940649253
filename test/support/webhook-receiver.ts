import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP, type CloudEvent } from 'cloudevents';
import { Webhook } from 'standardwebhooks';

/** One request a receiver got, as it came. */
export interface Delivery {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Date.now() when it had come whole. */
  readonly at: number;
  /** Its webhook-id. */
  readonly id: string;
  /** The status it was answered with; null while it hangs. */
  status: number | null;
  /** Whether the receiver answered it with a 2xx. */
  accepted: boolean;
}

/** How the receiver answers one request: a status (and headers), or 'hang' (never answers). */
export type Fate = { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A webhook receiver on a local port, as a team would write one: every request is kept, and its
 * fate chosen by `fateOf` (204 by default). Signatures are checked with the reference Standard
 * Webhooks library and CloudEvents read with the CloudEvents SDK, as a receiver would.
 */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  fateOf: (delivery: Delivery) => Fate = () => ({ status: 204 });
  private readonly server: Server;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    readonly url: string,
    server: Server,
  ) {
    this.server = server;
  }

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new WebhookReceiver(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, server);
    server.on('request', (request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => receiver.take(request.url ?? '', request.headers, body, response));
    });
    return receiver;
  }

  /** The deliveries to one path, in the order they came. */
  to(path: string): Delivery[] {
    return this.deliveries.filter((d) => d.path === path);
  }

  /** The deliveries to `path` that were accepted, in order. */
  accepted(path: string): Delivery[] {
    return this.to(path).filter((d) => d.accepted);
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private take(path: string, raw: IncomingHttpHeaders, body: string, response: ServerResponse): void {
    const headers = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const delivery: Delivery = { path, headers, body, at: Date.now(), id: headers['webhook-id'] ?? '', status: null, accepted: false };
    this.deliveries.push(delivery);
    const fate = this.fateOf(delivery);
    if (fate === 'hang') {
      this.hanging.add(response);
      return;
    }
    delivery.status = fate.status;
    delivery.accepted = fate.status >= 200 && fate.status < 300;
    response.writeHead(fate.status, fate.headers).end();
  }
}

/** Verifies a delivery's signature with `secret` as the reference library does; throws when it does not verify. */
export function verified(delivery: Delivery, secret: string): unknown {
  return new Webhook(secret).verify(delivery.body, delivery.headers);
}

/** A delivery read as a CloudEvent by the SDK (structured mode); throws when it is not one. */
export function cloudEventOf(delivery: Delivery): CloudEvent<Record<string, unknown>> {
  const event = HTTP.toEvent<Record<string, unknown>>({ headers: delivery.headers, body: delivery.body });
  if (Array.isArray(event)) throw new Error('a batch, not one event');
  (event as CloudEvent<Record<string, unknown>>).validate();
  return event as CloudEvent<Record<string, unknown>>;
}
