import http from 'node:http';

/** One server-sent event as the wire carried it (fields absent from it are undefined). */
export interface SseEvent {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
  comments: string[];
}

/**
 * A minimal EventSource over node:http that keeps everything it receives, for
 * tests that check the wire: headers, ids, comments, retry hints. It does not
 * reconnect; a test reconnects by opening another with `Last-Event-ID`.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  body = '';
  ended = false;
  private buffer = '';
  private waiters: Array<() => void> = [];

  private constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    private readonly request: http.ClientRequest,
    private readonly response: http.IncomingMessage,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.body += chunk;
      this.buffer += chunk;
      this.parse();
      this.wake();
    });
    const end = (): void => {
      this.ended = true;
      this.wake();
    };
    response.on('end', end);
    response.on('close', end);
    response.on('error', end);
  }

  /** Opens `url`; resolves once the status and headers are in. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = http.get(url, { headers: { Accept: 'text/event-stream', ...headers }, agent: false });
      request.on('response', (response) => resolve(new SseClient(response.statusCode ?? 0, response.headers, request, response)));
      request.on('error', reject);
    });
  }

  /** The `status` events' data, parsed. */
  get statuses(): Array<{ id: string; data: Record<string, unknown> }> {
    return this.events
      .filter((e) => e.event === 'status')
      .map((e) => ({ id: e.id ?? '', data: JSON.parse(e.data ?? 'null') as Record<string, unknown> }));
  }

  /** Waits until `probe` holds (checked on every chunk received), failing after `timeoutMs`. */
  async until(what: string, probe: (client: SseClient) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!probe(this)) {
      if (this.ended) throw new Error(`the stream ended while waiting for ${what}; got:\n${this.body}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got:\n${this.body}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.response.destroy();
    this.request.destroy();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private parse(): void {
    for (;;) {
      const match = /\r?\n\r?\n/.exec(this.buffer);
      if (match === null) return;
      const block = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      if (block === '') continue;
      const event: SseEvent = { comments: [] };
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) {
          event.comments.push(line.slice(1).trim());
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') event.data = event.data === undefined ? value : `${event.data}\n${value}`;
        else if (field === 'event' || field === 'id' || field === 'retry') event[field] = value;
      }
      this.events.push(event);
    }
  }
}
