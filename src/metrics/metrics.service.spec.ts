import { describe, expect, it } from '@jest/globals';
import { MetricsService } from './metrics.service.js';

/** The lines of `airflow_dag_latest_run_state` for one DAG, as `state value`. */
async function statesOf(metrics: MetricsService, dagId: string): Promise<string[]> {
  const text = await metrics.metrics();
  const prefix = `airflow_dag_latest_run_state{dag_id="${dagId}",state="`;
  return text
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length).replace('"} ', ' '));
}

describe('MetricsService: airflow_dag_latest_run_state', () => {
  it('has one series per known state, the current one at 1, none at 1 until the DAG is read', async () => {
    const metrics = new MetricsService();
    metrics.recordDagState('etl', undefined);
    expect(await statesOf(metrics, 'etl')).toEqual(['none 0', 'queued 0', 'running 0', 'success 0', 'failed 0']);
    metrics.recordDagState('etl', 'success');
    expect(await statesOf(metrics, 'etl')).toEqual(['none 0', 'queued 0', 'running 0', 'success 1', 'failed 0']);
    metrics.recordDagState('etl', null);
    expect(await statesOf(metrics, 'etl')).toEqual(['none 1', 'queued 0', 'running 0', 'success 0', 'failed 0']);
  });

  it('keeps a sixth series for a state Airflow added, at 0 once the DAG leaves it, and forgets a DAG no longer watched', async () => {
    const metrics = new MetricsService();
    metrics.recordDagState('etl', 'up_for_retry');
    expect(await statesOf(metrics, 'etl')).toEqual(['none 0', 'queued 0', 'running 0', 'success 0', 'failed 0', 'up_for_retry 1']);
    metrics.recordDagState('etl', 'failed');
    expect(await statesOf(metrics, 'etl')).toEqual(['none 0', 'queued 0', 'running 0', 'success 0', 'failed 1', 'up_for_retry 0']);
    metrics.recordDagState('etl', 'skipped');
    expect(await statesOf(metrics, 'etl')).toEqual(['none 0', 'queued 0', 'running 0', 'success 0', 'failed 0', 'skipped 1']);
    metrics.forgetDag('etl');
    expect(await statesOf(metrics, 'etl')).toEqual([]);
  });

  it('writes the family in the text format, apart from the other families by a blank line', async () => {
    const metrics = new MetricsService();
    metrics.recordDagState('a.b-c', 'run"ning\\');
    const text = await metrics.metrics();
    expect(text).toContain(
      "\n\n# HELP airflow_dag_latest_run_state 1 for the current state of each allowed DAG's latest run, 0 for the others\n# TYPE airflow_dag_latest_run_state gauge\n",
    );
    expect(text).toContain('airflow_dag_latest_run_state{dag_id="a.b-c",state="run\\"ning\\\\"} 1\n');
    expect(text.endsWith('\n') && !text.endsWith('\n\n')).toBe(true);
  });
});

describe('MetricsService: HTTP and Airflow call series', () => {
  it('writes a count and a cumulative histogram per label set, as prom-client writes a Counter and a Histogram', async () => {
    const metrics = new MetricsService();
    for (const seconds of [0.0004, 0.0005, 0.003, 20]) metrics.recordHttp('GET', '/api/dags/:dagId/status', 200, seconds);
    const lines = (await metrics.metrics()).split('\n');
    const labels = 'method="GET",route="/api/dags/:dagId/status",status="200"';
    expect(lines).toContain(`http_requests_total{${labels}} 4`);
    const bucket = (le: string): string | undefined =>
      lines.find((line) => line.startsWith(`http_request_duration_seconds_bucket{le="${le}",${labels}} `));
    expect([bucket('0.0005'), bucket('0.001'), bucket('0.005'), bucket('10'), bucket('+Inf')]).toEqual([
      `http_request_duration_seconds_bucket{le="0.0005",${labels}} 2`,
      `http_request_duration_seconds_bucket{le="0.001",${labels}} 2`,
      `http_request_duration_seconds_bucket{le="0.005",${labels}} 3`,
      `http_request_duration_seconds_bucket{le="10",${labels}} 3`,
      `http_request_duration_seconds_bucket{le="+Inf",${labels}} 4`,
    ]);
    expect(lines).toContain(`http_request_duration_seconds_sum{${labels}} ${0.0004 + 0.0005 + 0.003 + 20}`);
    expect(lines).toContain(`http_request_duration_seconds_count{${labels}} 4`);
    expect(lines).toContain('# TYPE http_requests_total counter');
    expect(lines).toContain('# TYPE http_request_duration_seconds histogram');
  });

  it('escapes label values and keeps each label set apart', async () => {
    const metrics = new MetricsService();
    metrics.recordAirflowCall('list_dag_runs', 'ok', 0.02);
    metrics.recordAirflowCall('list_dag_runs', 'time"out\\', 0.02);
    const text = await metrics.metrics();
    expect(text).toContain('\nairflow_calls_total{endpoint="list_dag_runs",outcome="ok"} 1\n');
    expect(text).toContain('\nairflow_calls_total{endpoint="list_dag_runs",outcome="time\\"out\\\\"} 1\n');
    expect(text).toContain('\nairflow_call_duration_seconds_count{endpoint="list_dag_runs",outcome="ok"} 1\n');
    expect(() => metrics.recordAirflowCall('list_dag_runs', 'ok', Number.NaN)).toThrow(TypeError);
  });
});

describe('MetricsService: reliability gauges', () => {
  it('writes one series per DAG and window, labels dag_id and window only, leaving out what is unknown', async () => {
    const metrics = new MetricsService();
    metrics.recordReliability(
      'etl',
      new Map([
        ['7d', { success_ratio: 0.75, on_time_ratio: null, duration_p95_seconds: 120 }],
        ['30d', { success_ratio: 0.9, success_budget_left: -0.5 }],
      ]),
    );
    const lines = (await metrics.metrics()).split('\n');
    expect(lines.filter((line) => line.startsWith('airflow_dag_') && line.includes('window='))).toEqual([
      'airflow_dag_success_ratio{dag_id="etl",window="7d"} 0.75',
      'airflow_dag_success_ratio{dag_id="etl",window="30d"} 0.9',
      'airflow_dag_duration_p95_seconds{dag_id="etl",window="7d"} 120',
      'airflow_dag_success_budget_left{dag_id="etl",window="30d"} -0.5',
    ]);
    expect(lines).toContain('# TYPE airflow_dag_on_time_ratio gauge');
    metrics.forgetDag('etl');
    expect((await metrics.metrics()).includes('window=')).toBe(false);
  });
});
