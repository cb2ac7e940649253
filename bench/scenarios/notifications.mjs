// Webhook notifications (issue 18's figures): per pass a stand-in Airflow of its own, a webhook receiver
// (bench/webhook-receiver.mjs: counts and orders what arrives, verifies nothing) and a service watching
// every DAG (WATCH_DAGS=all) with NOTIFY_WEBHOOKS at the receiver, signed, every other notification
// setting at its default unless the environment sets it (as a user would leave them). Changes are runs
// that fail or succeed on DAGs whose seeded runs all succeeded (POST /__state), so each one is a
// notification: failed, recovered, failed… A DAG changes again only once the service has read its
// last change (the stand-in's servedAt): two changes inside one sync would be one verdict change.
//  - notify-latency: BENCH_NOTIFY_LATENCY_DAGS (20) DAGs, BENCH_NOTIFY_PER_PERIOD (5) changes per sync
//    period for BENCH_NOTIFY_LATENCY_S (40), a receiver answering at once. Per notification, from
//    outside: the service's read of the change (the stand-in's first answer carrying it) → the
//    receiver has it; and the change → the receiver (a sync period's wait included). From inside: the
//    service's own airflow_status_notification_latency_seconds (the mirror seeing the change → a 2xx),
//    its observations in the window by bucket.
//  - notify-burst: BENCH_NOTIFY_BURST_DAGS (200) DAGs × BENCH_NOTIFY_BURST_ROUNDS (5) changes: each
//    round changes every DAG at once, the next round once the service read them all; a receiver taking
//    BENCH_NOTIFY_RECEIVER_MS (200) per request. What arrived (lost, duplicated, unexpected, order per
//    DAG), the service's counters (sent, failed, dropped, retried), RSS idle → peak (sampled every
//    250 ms) and airflow_status_notification_queue_depth's largest value (read every 250 ms).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { callBudget } from '../lib/budget.mjs';
import { fmt } from '../lib/format.mjs';
import { scrape, sumOf } from '../lib/metrics.mjs';
import { firstLoad } from '../lib/mirror-log.mjs';
import { rssMb, steadyRss } from '../lib/proc-stats.mjs';
import { stop } from '../lib/processes.mjs';
import { startReceiver } from '../lib/receiver.mjs';
import { startService } from '../lib/service.mjs';
import { settings, want } from '../lib/settings.mjs';
import { callsBetween, startStandInAirflow, total } from '../lib/stand-in.mjs';

/** The service's NOTIFY_QUEUE_SIZE unless the environment sets it (src/config/notifications.config.ts). */
const DEFAULT_QUEUE_SIZE = 2000;
const NOTIFY_SETTINGS = ['NOTIFY_QUEUE_SIZE', 'NOTIFY_TIMEOUT_MS', 'NOTIFY_GIVE_UP_MS', 'NOTIFY_TYPES'];
const LATENCY_SECONDS = 'airflow_status_notification_latency_seconds';
const SAMPLE_MS = 250;
const percentile = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

function stats(ms) {
  const sorted = [...ms].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null };
}

/** Polls the async `probe` every `intervalMs` until it holds; false when `timeoutMs` passed first. */
async function waitFor(probe, timeoutMs, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}

/**
 * `count` DAGs of a stand-in whose seeded runs all succeed (every tenth DAG's newest failed, those
 * ending in 5 run): their ids, and how many DAGs the stand-in needs for them.
 */
function cleanDags(count) {
  const ids = [];
  let index = 0;
  while (ids.length < count) {
    index += 1;
    if (index % 10 !== 0 && index % 10 !== 5) ids.push(`dag_${String(index).padStart(4, '0')}`);
  }
  return { ids, standInDags: index };
}

/** The latency histogram's cumulative bucket counts by `le`, and its count and sum. */
function histogram(samples) {
  const buckets = {};
  for (const s of samples.filter((x) => x.name === `${LATENCY_SECONDS}_bucket`)) buckets[/le="([^"]+)"/.exec(s.labels)[1]] = s.value;
  return { buckets, count: sumOf(samples, `${LATENCY_SECONDS}_count`), sum: sumOf(samples, `${LATENCY_SECONDS}_sum`) };
}

/** The histogram's observations between two readings: by bucket, the share within 1 s, the smallest bucket holding the p99. */
function histogramBetween(a, b) {
  const count = b.count - a.count;
  const buckets = Object.fromEntries(Object.keys(b.buckets).map((le) => [le, b.buckets[le] - (a.buckets[le] ?? 0)]));
  const bounds = Object.keys(buckets)
    .filter((le) => le !== '+Inf')
    .map(Number)
    .sort((x, y) => x - y);
  const p99Bucket = bounds.find((le) => buckets[String(le)] >= 0.99 * count) ?? null;
  return {
    count,
    meanMs: count > 0 ? ((b.sum - a.sum) / count) * 1000 : null,
    withinOneSecond: count > 0 ? buckets['1'] / count : null,
    p99BucketS: count > 0 ? p99Bucket : null,
    buckets,
  };
}

/** The service's notification counters. */
function counters(samples) {
  const outcome = (o) => sumOf(samples, 'airflow_status_notifications_total', `outcome="${o}"`);
  return {
    sent: outcome('sent'),
    failed: outcome('failed'),
    dropped: outcome('dropped'),
    retried: sumOf(samples, 'airflow_status_notification_retries_total'),
  };
}

/** Calls, feed pages and DAG-list pages of the service so far, for the Airflow-call budget of a window. */
async function callSnapshot(airflow, client) {
  const [byLabel, s] = await Promise.all([airflow.callsByLabel(client), airflow.stats()]);
  return {
    at: performance.now(),
    byLabel,
    feed: s.feeds[client] ?? { reads: 0, pages: 0, needed: 0 },
    list: s.lists[client] ?? { reads: 0, pages: 0 },
  };
}

/**
 * A window's Airflow calls against the mirror's budget (bench/lib/budget.mjs): the DAG list's pages
 * per read, plus Airflow's health and import errors, read on the same period; one task-instance read
 * per failed run; the feed's pages beyond the first of each read that its changes needed.
 */
function callsInWindow(a, b, failedRuns) {
  const byLabel = callsBetween(a.byLabel, b.byLabel);
  const ms = b.at - a.at;
  const listPages = b.list.reads > 0 ? Math.ceil(b.list.pages / b.list.reads) : 1;
  const extraPages = Math.max(0, b.feed.needed - a.feed.needed - (b.feed.reads - a.feed.reads));
  return { ms, calls: total(byLabel), byLabel, maxCalls: callBudget(ms, { listed: listPages + 2, failedRuns, extraPages }) };
}

/**
 * One pass's processes: a stand-in with `standInDags` DAGs, a receiver, a service notifying it
 * (`webhooks` CloudEvents webhooks, each a path of the receiver); resolves once its first load is done.
 */
async function startPass(ctx, label, standInDags, receiverDelayMs, webhooks = 1) {
  const airflow = await startStandInAirflow({ STAND_IN_DAGS: String(standInDags) });
  const receiver = await startReceiver(receiverDelayMs);
  const env = {
    TARGET_DAG_ID: 'dag_0001',
    ALLOWED_DAG_IDS: 'dag_0001',
    WATCH_DAGS: 'all',
    NOTIFY_WEBHOOKS: Array.from({ length: webhooks }, (_, i) => receiver.url(i + 1)).join(','),
    // Signed, as a user would have it: the signature is part of each request's cost.
    NOTIFY_SECRETS: `whsec_${randomBytes(32).toString('base64')}`,
  };
  const service = await startService({ ...ctx, airflowUrl: airflow.url }, label, env);
  await firstLoad(service.logFile);
  // Every DAG's first verdict is where it stands (nothing is sent); a sync or two more to be sure.
  await sleep(2 * settings.ttlMs);
  const stopAll = async () => {
    await stop(service.child);
    await stop(receiver.child);
    await stop(airflow.child);
  };
  return { airflow, receiver, service, stopAll };
}

/** POSTs a change to the stand-in: DAG `dagId`'s next run fails or succeeds; what the receiver should get for it. */
async function change(airflow, dagId, failing) {
  const made = await airflow.change(dagId, failing ? 'failed' : 'success');
  return { dagId, runId: made.runId, type: failing ? 'failed' : 'recovered', changedAt: made.changedAt, servedAt: null };
}

/** Fills in each change's servedAt (when the service first read it) from the stand-in. */
async function markServed(airflow, changes) {
  if (changes.length === 0) return;
  const served = new Map(
    (await airflow.changes(Math.min(...changes.map((c) => c.changedAt)))).map((c) => [`${c.dagId} ${c.runId}`, c.servedAt]),
  );
  for (const c of changes) c.servedAt ??= served.get(`${c.dagId} ${c.runId}`) ?? null;
}

/** Webhook `n`'s path at the receiver (bench/lib/receiver.mjs). */
const hookPath = (n) => `/hooks/${n}`;
const keyOf = (path, c) => `${path} ${c.dagId} ${c.runId} ${c.type}`;

/**
 * What arrived against what was expected (each change at each of `webhooks`): per change and webhook
 * its first arrival; lost (never arrived), duplicated (arrivals beyond the first), unexpected
 * (arrivals matching no change), and the DAGs whose notifications reached a webhook out of the order
 * of their changes.
 */
function reconcile(changes, arrivals, webhooks = 1) {
  const firstOf = new Map();
  let duplicates = 0;
  for (const a of arrivals) {
    const key = keyOf(a.path, a);
    if (firstOf.has(key)) duplicates += 1;
    else firstOf.set(key, a);
  }
  const paths = Array.from({ length: webhooks }, (_, i) => hookPath(i + 1));
  const expected = new Set(paths.flatMap((path) => changes.map((c) => keyOf(path, c))));
  const unexpected = [...firstOf.keys()].filter((key) => !expected.has(key));
  const outOfOrder = new Set();
  const byDag = Map.groupBy(changes, (c) => c.dagId);
  for (const [dagId, list] of byDag) {
    for (const path of paths) {
      const seqs = list.map((c) => firstOf.get(keyOf(path, c))?.seq).filter((x) => x !== undefined);
      if (seqs.some((seq, i) => i > 0 && seq < seqs[i - 1])) outOfOrder.add(dagId);
    }
  }
  return {
    webhooks,
    expected: expected.size,
    arrived: arrivals.length,
    lost: [...expected].filter((key) => !firstOf.has(key)).length,
    duplicates,
    unexpected: unexpected.length,
    unexpectedSample: unexpected.slice(0, 5),
    unsigned: arrivals.filter((a) => !a.signed).length,
    dags: byDag.size,
    outOfOrder: outOfOrder.size,
    outOfOrderSample: [...outOfOrder].slice(0, 5),
    firstOf,
  };
}

/** The settings of the service that the environment gives (null: the service's default). */
const notifySettings = () => Object.fromEntries(NOTIFY_SETTINGS.map((name) => [name, process.env[name] ?? null]));

async function latencyPass(ctx) {
  const { ids, standInDags } = cleanDags(settings.notifyLatencyDags);
  const windowMs = settings.notifyLatencyS * 1000;
  process.stderr.write(
    `• notifications, latency: ${ids.length} DAGs, ${settings.notifyPerPeriod} changes per sync period for ${settings.notifyLatencyS} s: `,
  );
  const pass = await startPass(ctx, 'notify-latency', standInDags, 0);
  const { airflow, receiver, service } = pass;
  try {
    const atStart = (await receiver.received()).total;
    const before = { calls: await callSnapshot(airflow, service.client), hist: histogram(await scrape(service.base)) };
    const changes = [];
    const last = new Map();
    const gap = settings.ttlMs / settings.notifyPerPeriod;
    const started = performance.now();
    let turn = 0;
    let skipped = 0;
    for (let i = 0; performance.now() - started < windowMs; i++) {
      // The next DAG, in turn, whose last change the service has read.
      await markServed(
        airflow,
        [...last.values()].filter((c) => c.servedAt === null),
      );
      let dagId = null;
      for (let k = 0; k < ids.length && dagId === null; k++) {
        const candidate = ids[(turn + k) % ids.length];
        const previous = last.get(candidate);
        if (previous === undefined || previous.servedAt !== null) dagId = candidate;
      }
      if (dagId === null) skipped += 1;
      else {
        turn = (ids.indexOf(dagId) + 1) % ids.length;
        const made = await change(airflow, dagId, last.get(dagId)?.type !== 'failed');
        changes.push(made);
        last.set(dagId, made);
      }
      const wait = started + (i + 1) * gap - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await waitFor(async () => (await receiver.received()).total - atStart >= changes.length, 20 * settings.ttlMs);
    const after = { calls: await callSnapshot(airflow, service.client), samples: await scrape(service.base) };
    await markServed(airflow, changes);
    const { arrivals } = await receiver.received(atStart);
    const got = reconcile(changes, arrivals);
    const fromRead = [];
    const fromChange = [];
    for (const c of changes) {
      const a = got.firstOf.get(keyOf(hookPath(1), c));
      if (a === undefined) continue;
      if (c.servedAt !== null) fromRead.push(a.at - c.servedAt);
      fromChange.push(a.at - c.changedAt);
    }
    const failedRuns = changes.filter((c) => c.type === 'failed').length;
    const result = {
      dags: ids.length,
      standInDags,
      windowS: settings.notifyLatencyS,
      perPeriod: settings.notifyPerPeriod,
      changes: changes.length,
      skipped,
      sentAtStart: atStart,
      arrivals: { ...got, firstOf: undefined },
      fromRead: stats(fromRead),
      fromChange: stats(fromChange),
      histogram: histogramBetween(before.hist, histogram(after.samples)),
      counters: counters(after.samples),
      airflow: callsInWindow(before.calls, after.calls, failedRuns),
      settings: notifySettings(),
    };
    process.stderr.write(
      `${result.changes} changes, read → receiver p50 ${fmt(result.fromRead.p50, 0)} / p99 ${fmt(result.fromRead.p99, 0)} ms, change → receiver p99 ${fmt(result.fromChange.p99, 0)} ms, histogram ${fmt((result.histogram.withinOneSecond ?? 0) * 100, 1)} % ≤ 1 s\n`,
    );
    return result;
  } finally {
    await pass.stopAll();
  }
}

async function burstPass(ctx) {
  const { ids, standInDags } = cleanDags(settings.notifyBurstDags);
  const rounds = settings.notifyBurstRounds;
  const receiverMs = settings.notifyReceiverMs;
  const webhooks = settings.notifyWebhooks;
  process.stderr.write(
    `• notifications, burst: ${ids.length} DAGs × ${rounds} changes, ${webhooks} webhook(s) at a receiver taking ${receiverMs} ms: `,
  );
  const pass = await startPass(ctx, 'notify-burst', standInDags, receiverMs, webhooks);
  const { airflow, receiver, service } = pass;
  try {
    const atStart = (await receiver.received()).total;
    const rssIdle = await steadyRss(service.child.pid, 2 * settings.ttlMs);
    const before = { calls: await callSnapshot(airflow, service.client), samples: await scrape(service.base) };
    // RSS and the queue's depth, every SAMPLE_MS until the queue is empty again.
    const rss = [];
    const depth = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        rss.push(rssMb(service.child.pid));
        try {
          depth.push(sumOf(await scrape(service.base), 'airflow_status_notification_queue_depth'));
        } catch {
          /* a scrape lost: the next one counts */
        }
        await sleep(SAMPLE_MS);
      }
    })();
    const changes = [];
    const started = performance.now();
    const roundMs = [];
    for (let r = 0; r < rounds; r++) {
      const round = [];
      const roundStarted = performance.now();
      for (const dagId of ids) round.push(await change(airflow, dagId, r % 2 === 0));
      changes.push(...round);
      // The next round once the service read each change of this one.
      await waitFor(async () => {
        await markServed(airflow, round);
        return round.every((c) => c.servedAt !== null);
      }, 20 * settings.ttlMs);
      roundMs.push(performance.now() - roundStarted);
    }
    const postedMs = performance.now() - started;
    // Drained: everything arrived, or nothing more for a while with the queue empty (what is missing is lost).
    const expected = changes.length * webhooks;
    let lastTotal = -1;
    let quietSince = performance.now();
    const drained = await waitFor(
      async () => {
        const { total: got } = await receiver.received(Number.MAX_SAFE_INTEGER);
        if (got !== lastTotal) [lastTotal, quietSince] = [got, performance.now()];
        return got - atStart >= expected || (depth.at(-1) === 0 && performance.now() - quietSince > 5 * settings.ttlMs);
      },
      Math.max(120_000, ((expected * receiverMs) / 8) * 4),
      500,
    );
    const drainedMs = performance.now() - started;
    // The receiver notes a request before its answer's wait: the last ones are counted sent once answered.
    const c0 = counters(before.samples);
    await waitFor(
      async () => {
        const c = counters(await scrape(service.base));
        return c.sent + c.failed + c.dropped - (c0.sent + c0.failed + c0.dropped) >= expected;
      },
      10 * receiverMs + 5000,
    );
    sampling = false;
    await sampler;
    const after = { calls: await callSnapshot(airflow, service.client), samples: await scrape(service.base) };
    const rssDrained = await steadyRss(service.child.pid, 2 * settings.ttlMs);
    await markServed(airflow, changes);
    const received = await receiver.received(atStart);
    const got = reconcile(changes, received.arrivals, webhooks);
    const arrivalSpanMs = received.arrivals.length > 1 ? received.arrivals.at(-1).at - received.arrivals[0].at : null;
    const c1 = counters(after.samples);
    const result = {
      dags: ids.length,
      standInDags,
      rounds,
      receiverMs,
      webhooks,
      changes: changes.length,
      sentAtStart: atStart,
      postedMs,
      roundMs,
      drained,
      drainedMs,
      arrivals: { ...got, firstOf: undefined },
      arrivalSpanMs,
      // The most requests the receiver had at once: the delivery's concurrency per webhook.
      receiverPeakInFlight: received.peakInFlight,
      counters: Object.fromEntries(Object.keys(c1).map((k) => [k, c1[k] - c0[k]])),
      histogram: histogramBetween(histogram(before.samples), histogram(after.samples)),
      queue: { maxDepth: Math.max(0, ...depth), samples: depth.length, size: Number(process.env.NOTIFY_QUEUE_SIZE ?? DEFAULT_QUEUE_SIZE) },
      rss: { idle: rssIdle, peak: Math.max(...rss.filter((x) => x !== null)), drained: rssDrained },
      airflow: callsInWindow(before.calls, after.calls, changes.filter((c) => c.type === 'failed').length),
      settings: notifySettings(),
    };
    process.stderr.write(
      `${result.arrivals.arrived} of ${expected} arrived in ${fmt(drainedMs / 1000, 1)} s (lost ${got.lost}, out of order ${got.outOfOrder} DAGs), queue max ${result.queue.maxDepth}, RSS ${fmt(rssIdle, 1)} → ${fmt(result.rss.peak, 1)} MB\n`,
    );
    return result;
  } finally {
    await pass.stopAll();
  }
}

export async function measureNotifications(ctx) {
  const out = { ttlMs: settings.ttlMs };
  if (want('notify-latency')) out.latency = await latencyPass(ctx);
  if (want('notify-burst')) out.burst = await burstPass(ctx);
  return out;
}
