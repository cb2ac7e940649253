// Memory: the service's RSS after warm-up, then across `settings.memoryRequests` more requests on
// the cached status, in two halves.
import { callBudget } from '../lib/budget.mjs';
import { load } from '../lib/measure.mjs';
import { rssMb } from '../lib/proc-stats.mjs';
import { fmt } from '../lib/format.mjs';
import { settings, STATUS_PATH } from '../lib/settings.mjs';

/** RSS sampling period: fine enough to catch the young generation's swings. */
const SAMPLE_MS = 250;

export async function measureMemory({ service, airflow }) {
  const pid = service.child.pid;
  const statusUrl = `${service.base}${STATUS_PATH}`;
  const afterWarmUp = rssMb(pid);
  // RSS swings by tens of MB as V8 grows and shrinks its young generation; a leak shows as the
  // second half's peak above the first half's.
  const samples = [];
  let half = 0;
  const sampler = setInterval(() => samples.push({ half, mb: rssMb(pid) }), SAMPLE_MS);
  process.stderr.write(`• memory: ${settings.memoryRequests} requests on ${STATUS_PATH}… `);
  const callsBefore = await airflow.calls(service.client);
  const started = performance.now();
  const first = await load(statusUrl, { amount: settings.memoryRequests / 2 });
  const afterHalf = rssMb(pid);
  half = 1;
  const second = await load(statusUrl, { amount: settings.memoryRequests / 2 });
  const end = rssMb(pid);
  const elapsedMs = performance.now() - started;
  const run = {
    calls: (await airflow.calls(service.client)) - callsBefore,
    maxCalls: callBudget(elapsedMs),
    elapsedMs,
    requests: first.requests + second.requests,
    errors: first.errors + second.errors,
    rps: (first.requests + second.requests) / (first.seconds + second.seconds),
  };
  clearInterval(sampler);
  const peakOf = (h) => Math.max(...samples.filter((x) => x.half === h && x.mb !== null).map((x) => x.mb));
  const halfPeaks = [Math.max(afterWarmUp, peakOf(0), afterHalf), Math.max(peakOf(1), end)];
  const rss = { start: service.rssAtStart, afterWarmUp, afterHalf, end, peak: Math.max(...halfPeaks), halfPeaks };
  process.stderr.write(`RSS ${fmt(rss.afterWarmUp, 1)} → ${fmt(rss.afterHalf, 1)} → ${fmt(rss.end, 1)} MB (peak ${fmt(rss.peak, 1)})\n`);
  return { rss, run };
}
