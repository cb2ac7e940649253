/**
 * Issue 20's reliability figures end to end against the fake Airflow: a DAG with a known history (hourly
 * scheduled runs with set outcomes and durations, a manual run, a backfill) read into the mirror's past,
 * then the figures on GET /api/dags/{dagId}/reliability, /dags, the badge and /metrics, exact to the run.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { FakeAirflow, type FakeAirflowOptions, type FakeDagRun } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow } from './support/service-app.js';
import { until } from './support/service-process.js';

jest.setTimeout(300_000);
/** The past is read in the paced slots of the whole reads: slower on a loaded machine. */
const WAIT_MS = 90_000;

const MIN = 60_000;
const H = 60 * MIN;
const at = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const airflow = againstFakeAirflow({ TARGET_DAG_ID: 'etl', STATUS_CACHE_TTL_MS: '150', DAG_LIST_PERIOD_MS: '1000' });

/** A run due at `due`, started a minute later, lasting `minutes`. */
function run(type: 'scheduled' | 'manual' | 'backfill', state: 'success' | 'failed', due: number, minutes: number): FakeDagRun {
  const start = due + MIN;
  return FakeAirflow.run({
    dag_id: 'etl',
    run_type: type,
    state,
    run_after: at(due),
    logical_date: at(due - H),
    start_date: at(start),
    end_date: at(start + minutes * MIN),
  });
}

/**
 * Ten hourly scheduled runs due `base − k h` (k = 10 … 1), taking k minutes, k = 3 and 4 failed; the run due
 * at `base` never came (its grace passed 20 minutes ago); a manual success of 3 minutes; a failed backfill.
 */
function history(base: number): Partial<FakeAirflowOptions> {
  const runs: FakeDagRun[] = [];
  for (let k = 10; k >= 1; k--) runs.push(run('scheduled', k === 3 || k === 4 ? 'failed' : 'success', base - k * H, k));
  runs.push(run('backfill', 'failed', Date.now() - 2 * 24 * H, 1));
  runs.push(run('manual', 'success', Date.now() - 10 * MIN, 3));
  return {
    dags: { etl: runs.sort((a, b) => Date.parse(b.run_after) - Date.parse(a.run_after)) },
    dagAttributes: { etl: { timetable_summary: '0 * * * *', next_dagrun_run_after: at(base + H) } },
  };
}

interface WindowBody {
  window: string;
  complete: boolean;
  success_ratio: number | null;
  runs: Record<string, number>;
  on_time: Record<string, number | null>;
  recovery: Record<string, number | string | null>;
  duration: Record<string, number | null>;
  failure_count: number;
  failures: { run_id: string; failed_tasks: unknown[] | null }[];
}

describe('reliability figures against the fake Airflow', () => {
  it('gives each window its figures exact to the run, from the mirror, with no Airflow call per request', async () => {
    const base = Date.now() - 30 * MIN;
    const http = await airflow.serve(history(base), { ALLOWED_DAG_IDS: 'etl,other', RELIABILITY_OBJECTIVE: 'etl=success:99%/7d' });
    const body = await until(
      'the past read',
      async () => {
        const res = await http.get('/api/dags/etl/reliability');
        const got = res.body as { windows: WindowBody[]; objectives: unknown[] };
        return res.status === 200 && got.windows.every((w) => w.complete) ? got : null;
      },
      WAIT_MS,
    );
    const [week, month] = body.windows;
    expect(week.window).toBe('7d');
    expect(month.window).toBe('30d');
    for (const window of [week, month]) {
      expect(window.runs).toEqual({ finished: 11, succeeded: 9, failed: 2, unfinished: 0, backfills: 1 });
      expect(window.success_ratio).toBe(0.8182);
      expect(window.on_time).toEqual({ ratio: 0.7273, on_time: 8, due: 11, missed: 1 });
      // Outage: the run due base − 4 h ended at +5 min; the success due base − 2 h at +3 min.
      expect(window.recovery).toEqual({ count: 1, median_seconds: 7080, max_seconds: 7080, failing_since: null });
      // Successes took 1, 2, 3 (manual), 5 … 10 minutes: median the 5th of 9, p95 the 9th.
      expect(window.duration).toEqual({ count: 9, median_seconds: 360, p95_seconds: 600 });
      expect(window.failure_count).toBe(2);
      expect(window.failures.map((f) => f.run_id)).toEqual([
        expect.stringMatching(/^scheduled__/) as unknown as string,
        expect.stringMatching(/^scheduled__/) as unknown as string,
      ]);
    }
    expect(body).toMatchObject({ dag_id: 'etl', period_seconds: 3600, period_source: 'schedule' });
    expect(body.objectives).toEqual([expect.objectContaining({ metric: 'success', target: 0.99, window: '7d', good: 9, total: 11 })]);

    // From memory: asking ten times reads none of the DAG's runs (the sync's one feed across DAGs goes on apart).
    airflow.fake.clearCalls();
    for (let i = 0; i < 10; i++) await http.get('/api/dags/etl/reliability').expect(200);
    // (The mirror looks up failed runs' tasks in the background: those calls are not the route's.)
    expect(airflow.fake.callsMatching(/^\/api\/v2\/dags\/etl\/dagRuns(\?|$)/)).toBe(0);
    await until(
      'the failed tasks looked up',
      async () => {
        const res = await http.get('/api/dags/etl/reliability').expect(200);
        const failures = (res.body as { windows: WindowBody[] }).windows[0].failures;
        return failures.every((f) => Array.isArray(f.failed_tasks)) ? failures : null;
      },
      WAIT_MS,
    );

    const badge = await http.get('/api/dags/etl/badge.json?metric=success_7d').expect(200);
    expect(badge.body).toMatchObject({ label: 'etl success 7d', message: '81.8 %', color: 'red' });
    await http.get('/api/dags/etl/badge.svg?metric=uptime_7d').expect(400);
    const other = await http.get('/api/dags/etl/badge.json?metric=success_14d').expect(200);
    expect(other.body).toMatchObject({ message: 'no 14d window', isError: true });

    const page = await http.get('/dags').expect(200);
    expect(page.text).toContain('Reliability: 81.8 % success over 30d <svg class="chart"');
    expect(page.text).toContain('<title id="rel-chart-0">Durations of the last 9 successful runs, oldest first');

    await until(
      'the gauges',
      async () => {
        const text = (await http.get('/metrics').expect(200)).text;
        return text.includes('airflow_dag_success_ratio{dag_id="etl",window="7d"} 0.8181818181818182') ? text : null;
      },
      WAIT_MS,
    );
  });

  it('answers 400 for a malformed DAG id and 404 for a DAG not watched, as the other per-DAG routes', async () => {
    const http = await airflow.serve(history(Date.now() - 30 * MIN), { ALLOWED_DAG_IDS: 'etl' });
    await http.get('/api/dags/bad%20id/reliability').expect(400);
    await http.get('/api/dags/unknown_dag/reliability').expect(404);
  });
});
