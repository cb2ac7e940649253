import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { MAX_UNREAD_BYTES } from '../src/events/events.stream.js';
import { FakeAirflow, type FakeAirflowOptions, type FakeDagRun } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow, type ServiceEnv } from './support/service-app.js';
import { SseClient } from './support/sse-client.js';
import { until } from './support/service-process.js';

const DAG = 'Airflow_Lab2';
const OTHER = 'Other_DAG';
/** Short, so that changes reach the streams quickly; every wait below is on a condition. */
const TTL_MS = 150;
// A loaded 2-core machine: waits are on conditions, with room.
jest.setTimeout(60_000);

const airflow = againstFakeAirflow({ ALLOWED_DAG_IDS: `${DAG},${OTHER}`, STATUS_CACHE_TTL_MS: String(TTL_MS) });

const run = (dagId: string, state: FakeDagRun['state'], extra: Partial<FakeDagRun> = {}) =>
  FakeAirflow.run({ dag_id: dagId, state, ...extra });

/** Starts the app on a port with both DAGs known to the fake; resolves to its base URL. */
async function serve(dags: FakeAirflowOptions['dags'], env: ServiceEnv = {}): Promise<string> {
  const app = await airflow.start({ dags }, env);
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

const open: SseClient[] = [];
async function connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await SseClient.open(url, headers);
  open.push(client);
  return client;
}

afterEach(() => {
  for (const client of open.splice(0)) client.close();
});

const statesOf = (client: SseClient, dagId: string) => client.statuses.filter((s) => s.data.dag_id === dagId).map((s) => s.data.state);
/** Reads of one DAG's runs on their own (its first load, a lookup, reconciliation). */
const dagRunReads = (dagId: string) => airflow.fake.callsTo(`/api/v2/dags/${dagId}/dagRuns`);
/** Reads of one DAG's past over the reliability window (issue 20): once, after its first load. */
const pastReads = (dagId: string) =>
  airflow.fake.calls.filter((c) => c.path === `/api/v2/dags/${dagId}/dagRuns` && 'run_after_gte' in c.query && c.status !== null).length;
/** The mirror's syncs: reads of what changed across every DAG. */
const syncs = () => airflow.fake.callsTo('/api/v2/dags/~/dagRuns');

/** Waits until the mirror has synced `count` more times: it has looked at Airflow again that often (for every DAG). */
async function syncsMore(count: number): Promise<void> {
  const target = syncs() + count;
  await until(`${count} more syncs`, async () => (syncs() >= target ? true : null), 20_000);
}

describe('GET /api/events', () => {
  it('opens with a retry hint, then one status event per DAG with its overview, each with an increasing id', async () => {
    const base = await serve({ [DAG]: [run(DAG, 'success', { dag_run_id: 'manual__one' })], [OTHER]: [run(OTHER, 'failed')] });
    const client = await connect(`${base}/api/events`);
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(client.headers['cache-control']).toContain('no-store');
    expect(client.headers['x-accel-buffering']).toBe('no');
    expect(client.headers['x-request-id']).toBeDefined();
    expect(client.headers['x-content-type-options']).toBe('nosniff');
    await client.until('a status event per DAG', (c) => c.statuses.length === 2);
    const [hello] = client.events;
    expect(hello).toMatchObject({ retry: '3000', id: '' });
    expect(hello.data).toBeUndefined();
    const byDag = Object.fromEntries(client.statuses.map((s) => [s.data.dag_id, s.data]));
    expect(byDag[DAG]).toMatchObject({ dag_id: DAG, state: 'success', run_id: 'manual__one', outcome: 'success', airflow_error: null });
    expect(byDag[OTHER]).toMatchObject({ dag_id: OTHER, state: 'failed', outcome: 'failure', reason: 'failed' });
    const ids = client.statuses.map((s) => Number(s.id));
    expect(ids.every((id) => Number.isSafeInteger(id))).toBe(true);
    expect(ids[1]).toBeGreaterThan(ids[0]);
  });

  it('sends one event per change, in order, and nothing while nothing changes', async () => {
    const [done, other] = [run(DAG, 'success'), run(OTHER, 'success')];
    const base = await serve({ [DAG]: [done], [OTHER]: [other] });
    const client = await connect(`${base}/api/events`);
    await client.until('the first status of both DAGs', (c) => c.statuses.length === 2);

    // Nothing changes over several reads of Airflow: no event.
    await syncsMore(3);
    expect(client.statuses).toHaveLength(2);

    const running = run(DAG, 'running', { dag_run_id: 'manual__next' });
    airflow.fake.setScenario({ dags: { [DAG]: [running, done], [OTHER]: [other] } });
    await client.until('the running run', (c) => statesOf(c, DAG).includes('running'));
    airflow.fake.setScenario({ dags: { [DAG]: [{ ...running, state: 'failed' }, done], [OTHER]: [other] } });
    await client.until('the failed run', (c) => statesOf(c, DAG).includes('failed'));
    await syncsMore(3);

    expect(statesOf(client, DAG)).toEqual(['success', 'running', 'failed']);
    expect(statesOf(client, OTHER)).toEqual(['success']);
    const ids = client.statuses.map((s) => Number(s.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(client.statuses.at(-1)!.data).toMatchObject({ run_id: 'manual__next', state: 'failed', reason: 'failed' });
  });

  it('reads Airflow once per sync for every DAG, however many streams are open', async () => {
    const base = await serve({ [DAG]: [run(DAG, 'success')], [OTHER]: [run(OTHER, 'success')] });
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(`${base}/api/events?dag_id=${DAG}`)));
    await Promise.all(clients.map((c) => c.until('the first status', (x) => x.statuses.length === 1)));
    // Each DAG's past (issue 20) is read once after its first load: counted from when that is done.
    await until("both DAGs' past read", async () => (pastReads(DAG) >= 1 && pastReads(OTHER) >= 1 ? true : null), 20_000);
    const [syncsBefore, dagReadsBefore] = [syncs(), dagRunReads(DAG) + dagRunReads(OTHER)];
    const started = Date.now();
    await syncsMore(9);
    const elapsed = Date.now() - started;
    expect(syncs() - syncsBefore).toBeLessThanOrEqual(Math.ceil(elapsed / TTL_MS) + 1);
    // No DAG is read on its own while nothing changes (reconciliation reads one now and then, not per stream).
    expect(dagRunReads(DAG) + dagRunReads(OTHER) - dagReadsBefore).toBeLessThanOrEqual(1);
  });

  it('resumes after Last-Event-ID with exactly the events missed, from the recent events', async () => {
    const [first, other] = [run(DAG, 'success'), run(OTHER, 'success')];
    const base = await serve({ [DAG]: [first], [OTHER]: [other] });
    const watcher = await connect(`${base}/api/events`);
    const leaver = await connect(`${base}/api/events`);
    await leaver.until('the first statuses', (c) => c.statuses.length === 2);
    const lastSeen = leaver.statuses.at(-1)!.id;
    leaver.close();

    const next = run(DAG, 'running');
    airflow.fake.setScenario({ dags: { [DAG]: [next, first], [OTHER]: [other] } });
    await watcher.until('running', (c) => statesOf(c, DAG).includes('running'));
    airflow.fake.setScenario({ dags: { [DAG]: [{ ...next, state: 'success' }, first], [OTHER]: [other] } });
    await watcher.until('the second success', (c) => statesOf(c, DAG).length === 3);

    const back = await connect(`${base}/api/events`, { 'Last-Event-ID': lastSeen });
    await back.until('the two missed events', (c) => c.statuses.length === 2);
    await syncsMore(2);
    expect(back.events[0]).toMatchObject({ retry: '3000', id: lastSeen });
    expect(back.statuses.map((s) => [s.data.dag_id, s.data.state])).toEqual([
      [DAG, 'running'],
      [DAG, 'success'],
    ]);
    expect(back.statuses.map((s) => s.id)).toEqual(watcher.statuses.slice(2).map((s) => s.id));
  });

  it('resumes with what changed while no stream was open', async () => {
    const [first, other] = [run(DAG, 'success'), run(OTHER, 'success')];
    const base = await serve({ [DAG]: [first], [OTHER]: [other] });
    const client = await connect(`${base}/api/events`);
    await client.until('the first statuses', (c) => c.statuses.length === 2);
    const lastSeen = client.statuses.at(-1)!.id;
    client.close();
    airflow.fake.setScenario({ dags: { [DAG]: [run(DAG, 'failed'), first], [OTHER]: [other] } });
    const back = await connect(`${base}/api/events`, { 'Last-Event-ID': lastSeen });
    await back.until('the change', (c) => c.statuses.length === 1);
    await syncsMore(2);
    expect(back.statuses.map((s) => [s.data.dag_id, s.data.state])).toEqual([[DAG, 'failed']]);
    expect(Number(back.statuses[0].id)).toBeGreaterThan(Number(lastSeen));
  });

  it.each([
    ['too old', '1'],
    ['from the future', '9999999999999999'],
    ['not a number', 'abc'],
  ])('starts again with the status of each DAG when Last-Event-ID is %s', async (_case, lastEventId) => {
    const base = await serve({ [DAG]: [run(DAG, 'success')], [OTHER]: [run(OTHER, 'success')] });
    const client = await connect(`${base}/api/events`, { 'Last-Event-ID': lastEventId });
    await client.until('a status per DAG', (c) => c.statuses.length === 2);
    expect(client.events[0]).toMatchObject({ retry: '3000', id: '' });
    expect(client.statuses.map((s) => s.data.dag_id).sort()).toEqual([DAG, OTHER].sort());
  });

  it('streams only the DAGs asked for with ?dag_id=', async () => {
    const other = run(OTHER, 'failed');
    const base = await serve({ [DAG]: [run(DAG, 'success')], [OTHER]: [other] });
    const one = await connect(`${base}/api/events?dag_id=${OTHER}`);
    const both = await connect(`${base}/api/events?dag_id=${OTHER}&dag_id=${DAG}&dag_id=${OTHER}`);
    await one.until('its status', (c) => c.statuses.length === 1);
    await both.until('both statuses', (c) => c.statuses.length === 2);
    airflow.fake.setScenario({ dags: { [DAG]: [run(DAG, 'failed')], [OTHER]: [other] } });
    await both.until('the change of the first DAG', (c) => statesOf(c, DAG).includes('failed'));
    await syncsMore(2);
    expect(one.statuses.map((s) => s.data.dag_id)).toEqual([OTHER]);
  });

  it.each([
    ['a malformed id', '?dag_id=bad%20id', 400, 'bad_request'],
    ['an empty id', '?dag_id=', 400, 'bad_request'],
    ['a DAG outside ALLOWED_DAG_IDS', '?dag_id=Secret_DAG', 404, 'dag_not_found'],
    ['one bad id among good ones', `?dag_id=${DAG}&dag_id=${'x'.repeat(251)}`, 400, 'bad_request'],
  ])('refuses %s before the stream opens, in the JSON error shape', async (_case, query, status, reason) => {
    const base = await serve({ [DAG]: [run(DAG, 'success')], [OTHER]: [] });
    const res = await fetch(`${base}/api/events${query}`, { headers: { Accept: 'text/event-stream' } });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ statusCode: status, reason, path: '/api/events' });
    expect(airflow.fake.callsTo('/api/v2/dags/Secret_DAG')).toBe(0);
  });

  it('refuses streams beyond MAX_EVENT_STREAMS with 503 and Retry-After, and admits again once one closes', async () => {
    const base = await serve({ [DAG]: [run(DAG, 'success')], [OTHER]: [] }, { MAX_EVENT_STREAMS: '2' });
    const a = await connect(`${base}/api/events`);
    await connect(`${base}/api/events`);
    const refused = await fetch(`${base}/api/events`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({
      statusCode: 503,
      reason: 'service_unavailable',
      message: expect.stringContaining('MAX_EVENT_STREAMS=2'),
    });
    a.close();
    const again = await until(
      'a stream admitted after one closed',
      async () => {
        const candidate = await connect(`${base}/api/events`);
        return candidate.status === 200 ? candidate : null;
      },
      20_000,
    );
    await again.until('its first status', (c) => c.statuses.length >= 1);
  });

  it('answers a HEAD with the head of a stream, complete at once and not counted as a stream', async () => {
    const base = await serve({ [DAG]: [run(DAG, 'success')], [OTHER]: [] }, { MAX_EVENT_STREAMS: '1' });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/api/events`, { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    }
    expect((await connect(`${base}/api/events`)).status).toBe(200);
  });

  it('sends a comment heartbeat on the configured interval', async () => {
    const base = await serve({ [DAG]: [run(DAG, 'success')], [OTHER]: [] }, { EVENTS_HEARTBEAT_MS: '200' });
    const client = await connect(`${base}/api/events?dag_id=${DAG}`);
    await client.until('two heartbeats', (c) => c.events.filter((e) => e.comments.includes('heartbeat')).length >= 2);
    const beats = client.events.filter((e) => e.comments.includes('heartbeat'));
    expect(beats.every((e) => e.id === undefined && e.data === undefined && e.event === undefined)).toBe(true);
  });

  it('tells a DAG whose Airflow cannot be read, and recovers', async () => {
    const base = await serve({ [DAG]: [run(DAG, 'success')], [OTHER]: [] });
    const client = await connect(`${base}/api/events?dag_id=${DAG}`);
    await client.until('its first status', (c) => c.statuses.length === 1);
    airflow.fake.setScenario({ fault: 'http500' });
    await client.until('the failure', (c) => c.statuses.some((s) => s.data.airflow_error !== null));
    expect(client.statuses.at(-1)!.data.airflow_error).toMatchObject({ reason: 'airflow_bad_response' });
    airflow.fake.setScenario({ fault: 'none' });
    await client.until('the recovery', (c) => c.statuses.at(-1)!.data.airflow_error === null);
  });

  it('ends every stream at once when the app closes', async () => {
    const base = await serve({ [DAG]: [run(DAG, 'success')], [OTHER]: [] });
    const clients = await Promise.all([connect(`${base}/api/events`), connect(`${base}/api/events?dag_id=${DAG}`)]);
    await Promise.all(clients.map((c) => c.until('a status', (x) => x.statuses.length >= 1)));
    const started = Date.now();
    await airflow.app!.close();
    await Promise.all(clients.map((c) => c.until('the end of the stream', (x) => x.ended)));
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('GET /api/events as time passes', () => {
  it('sends an event when the last success grows older than MAX_SUCCESS_AGE, with no new run', async () => {
    // Ended 50 s ago against a limit of a minute: fresh when the stream opens, stale 10 s later (room for a loaded machine).
    const endedMs = Date.now() - 50_000;
    const success = run(DAG, 'success', {
      start_date: new Date(endedMs - 60_000).toISOString(),
      end_date: new Date(endedMs).toISOString(),
    });
    const base = await serve({ [DAG]: [success], [OTHER]: [] }, { MAX_SUCCESS_AGE: '1m' });
    const client = await connect(`${base}/api/events?dag_id=${DAG}`);
    await client.until('its first status', (c) => c.statuses.length === 1);
    expect(client.statuses[0].data).toMatchObject({ outcome: 'success', stale: false });
    await client.until('the stale status', (c) => c.statuses.length === 2);
    expect(client.statuses[1].data).toMatchObject({ run_id: success.dag_run_id, outcome: 'failure', reason: 'stale', stale: true });
    expect(Date.now()).toBeGreaterThan(endedMs + 60_000);
  });
});

describe('GET /api/events of every DAG, at thousands of DAGs', () => {
  const COUNT = 3000;

  it('opens with the status of every DAG, though they are more than a slow reader may leave unread', async () => {
    const many = FakeAirflow.manyDags(COUNT, 10);
    const base = await serve(many.dags, {
      WATCH_DAGS: 'all',
      ALLOWED_DAG_IDS: 'dag_0000',
      TARGET_DAG_ID: 'dag_0000',
      AIRFLOW_TIMEOUT_MS: '60000',
      STATUS_CACHE_TTL_MS: '2000',
    });
    // Once every DAG is read (the list waits for their first reads), the stream opens with all of them at once.
    await until(
      'every DAG watched and read',
      async () => {
        const body = (await (await fetch(`${base}/api/dags?limit=1`)).json()) as { total?: number };
        return body.total === COUNT ? body : null;
      },
      120_000,
    );
    const client = await connect(`${base}/api/events`);
    const statuses = (c: SseClient) => c.events.filter((e) => e.event === 'status').length;
    await client.until('a status per DAG', (c) => statuses(c) >= COUNT, 120_000);
    expect(client.ended).toBe(false);
    expect(new Set(client.statuses.map((s) => s.data.dag_id)).size).toBe(COUNT);
    expect(Buffer.byteLength(client.body)).toBeGreaterThan(MAX_UNREAD_BYTES);
  }, 240_000);
});
