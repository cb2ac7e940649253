// The webhook receiver (bench/webhook-receiver.mjs) as the harness sees it: a URL and what arrived.
import path from 'node:path';
import { startListener } from './processes.mjs';
import { BENCH } from './settings.mjs';

/** `delayMs`: how long each answer waits (a slow receiver). */
export async function startReceiver(delayMs = 0) {
  const { child, port } = await startListener('webhook receiver', process.execPath, [path.join(BENCH, 'webhook-receiver.mjs'), '0'], {
    RECEIVER_DELAY_MS: String(delayMs),
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    /** The URL of webhook `n` (1…) for NOTIFY_WEBHOOKS: one receiver serves several, by path. */
    url: (n = 1) => `${base}/hooks/${n}`,
    /** The arrivals from the `from`th on ({ seq, at, path, id, type, dagId, runId, bytes, signed }), their total, the peak in flight. */
    received: async (from = 0) => (await fetch(`${base}/__received?from=${from}`)).json(),
  };
}
