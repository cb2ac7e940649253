// What the service's log says of its mirror, read from its log file as it grows: polling the log costs
// the service nothing, where polling /metrics (six series per DAG) would load it at thousands of DAGs.
import { closeSync, openSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const LOADED = /Mirror loaded (\d+) DAG\(s\) in ([\d.]+) s \(at most (\d+) reads at once\)/;

/**
 * Waits for the line the mirror logs once its first load is done (every watched DAG read whole);
 * resolves to its figures: seconds (0.1 s resolution), DAGs, and the most whole reads at once.
 */
export async function firstLoad(logFile, timeoutMs = 900_000) {
  const deadline = Date.now() + timeoutMs;
  const fd = openSync(logFile, 'r');
  const chunk = Buffer.alloc(1 << 16);
  let offset = 0;
  let tail = '';
  try {
    for (;;) {
      let read;
      while ((read = readSync(fd, chunk, 0, chunk.length, offset)) > 0) {
        offset += read;
        const text = tail + chunk.toString('utf8', 0, read);
        const m = LOADED.exec(text);
        if (m) return { seconds: Number(m[2]), dags: Number(m[1]), peakReads: Number(m[3]) };
        tail = text.slice(-200);
      }
      if (Date.now() > deadline) throw new Error(`no "Mirror loaded" line in ${logFile} within ${timeoutMs} ms`);
      await sleep(50);
    }
  } finally {
    closeSync(fd);
  }
}
