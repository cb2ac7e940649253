// What the service's log says of its mirror, read from its log file as it grows: polling the log costs
// the service nothing, where polling /metrics (six series per DAG) would load it at thousands of DAGs.
import { closeSync, openSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const LOADED = /Mirror loaded (\d+) DAG\(s\) in ([\d.]+) s \(at most (\d+) reads at once\)/;
const PAST =
  /Mirror read the past (\d+) d of (\d+) DAG\(s\) in ([\d.]+) s \((\d+) pages, at most (\d+) reads at once; (\d+) runs held in ([\d.]+) MB\)/;

/**
 * Waits for the line the mirror logs once its first load is done (every watched DAG read whole);
 * resolves to its figures: seconds (0.1 s resolution), DAGs, and the most whole reads at once.
 */
export async function firstLoad(logFile, timeoutMs = 900_000) {
  const m = await lineOf(logFile, LOADED, timeoutMs);
  return { seconds: Number(m[2]), dags: Number(m[1]), peakReads: Number(m[3]) };
}

/**
 * Waits for the line the mirror logs once it has read the past of every DAG (issue 20: their runs over
 * the longest reliability window, in pages after the first load); resolves to its figures.
 */
export async function pastLoad(logFile, timeoutMs = 1_800_000) {
  const m = await lineOf(logFile, PAST, timeoutMs);
  return {
    days: Number(m[1]),
    dags: Number(m[2]),
    seconds: Number(m[3]),
    pages: Number(m[4]),
    peakReads: Number(m[5]),
    runs: Number(m[6]),
    columnsMb: Number(m[7]),
  };
}

const TASKS = /Mirror read the failed tasks of (\d+) failed past run\(s\) in ([\d.]+) s/;

/**
 * Waits for the line the mirror logs once the failed tasks of the past's newest failed runs are known
 * (a one-time lookup after the past's first read); resolves to its figures.
 */
export async function pastTasksLoad(logFile, timeoutMs = 1_800_000) {
  const m = await lineOf(logFile, TASKS, timeoutMs);
  return { runs: Number(m[1]), seconds: Number(m[2]) };
}

/** Waits for the first line of the log that `pattern` matches; resolves to its match. */
async function lineOf(logFile, pattern, timeoutMs) {
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
        const m = pattern.exec(text);
        if (m) return m;
        tail = text.slice(-400);
      }
      if (Date.now() > deadline) throw new Error(`no line matching ${pattern} in ${logFile} within ${timeoutMs} ms`);
      await sleep(50);
    }
  } finally {
    closeSync(fd);
  }
}
