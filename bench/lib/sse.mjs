// Event streams held open by the harness, as the fan-out row and the SSE memory experiment open them.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** Streams opened at once, so the service is not asked for 1,000 connections in one burst. */
const OPEN_BATCH = 100;
const now = () => performance.timeOrigin + performance.now();

/**
 * One stream, kept raw: it counts status events and notes when `marker` first appears in it;
 * null when the service refused it with 503 (it has not yet counted out an earlier round's streams).
 */
function openStream(url) {
  return new Promise((resolve, reject) => {
    const stream = { statusEvents: 0, marker: null, seenAt: null, tail: '', req: null };
    stream.req = http.get(url, { headers: { Accept: 'text/event-stream' }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        if (res.statusCode === 503) resolve(null);
        else reject(new Error(`${url} answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const text = stream.tail + chunk;
        stream.statusEvents += chunk.split('event: status').length - 1;
        if (stream.marker !== null && stream.seenAt === null && text.includes(stream.marker)) stream.seenAt = now();
        // A marker split across two chunks is still found.
        stream.tail = text.slice(-64);
      });
      res.on('error', () => undefined);
      res.on('close', () => (stream.closed = true));
      resolve(stream);
    });
    stream.req.on('error', reject);
  });
}

/** Polls `probe` (synchronous) every 5 ms until it holds. */
export async function until(what, probe, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** `count` streams on `url`, opened OPEN_BATCH at a time; resolves once each has `dagCount` status events. */
export async function openStreams(url, count, dagCount) {
  const streams = [];
  const deadline = Date.now() + 60_000;
  while (streams.length < count) {
    const batch = Array.from({ length: Math.min(OPEN_BATCH, count - streams.length) }, () => openStream(url));
    const opened = (await Promise.all(batch)).filter((s) => s !== null);
    streams.push(...opened);
    if (opened.length === 0) {
      if (Date.now() > deadline) throw new Error('the service kept refusing streams');
      await sleep(50);
    }
  }
  await until('every stream to have each DAG\u2019s status', () => streams.every((s) => s.statusEvents >= dagCount));
  return streams;
}

/**
 * One stream read frame by frame: `onStatus(data, at)` gets each `status` event's data, parsed, and the
 * harness's clock when its frame was complete. Resolves once the stream is open, to {req, events,
 * bytes, closed} (closed: the service ended or dropped it).
 */
export function openStatusStream(url, onStatus) {
  return new Promise((resolve, reject) => {
    const stream = { events: 0, bytes: 0, closed: false, req: null };
    let buffer = '';
    stream.req = http.get(url, { headers: { Accept: 'text/event-stream' }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`${url} answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const at = now();
        stream.bytes += Buffer.byteLength(chunk);
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (event !== 'status' || data.length === 0) continue;
          stream.events += 1;
          onStatus(JSON.parse(data.join('\n')), at);
        }
      });
      res.on('error', () => undefined);
      res.on('close', () => (stream.closed = true));
      resolve(stream);
    });
    stream.req.on('error', reject);
  });
}
