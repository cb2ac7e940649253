import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { FakeAirflow, type FakeAirflowOptions } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow } from './support/service-app.js';
import { until } from './support/service-process.js';
import { SseClient } from './support/sse-client.js';

/** WATCH_DAGS: the DAGs of Airflow's own list that match join the watched set, and leave it. */
const DAG = 'Airflow_Lab2';
const airflow = againstFakeAirflow({ WATCH_DAGS: 'id:etl_*', DAG_LIST_PERIOD_MS: '1000', STATUS_CACHE_TTL_MS: '200' });

const run = (dagId: string, state: 'success' | 'failed' = 'success') => FakeAirflow.run({ dag_id: dagId, state });

function scenario(): Partial<FakeAirflowOptions> {
  return {
    dags: { [DAG]: [run(DAG)], etl_sales: [run('etl_sales', 'failed')], etl_hr: [run('etl_hr')], secret_payroll: [run('secret_payroll')] },
    dagAttributes: { etl_sales: { tags: ['finance', 'daily'], owners: ['data-eng'] }, etl_hr: { tags: ['people'] } },
  };
}

const ids = (body: { dags: Array<{ dag_id: string }> }) => body.dags.map((d) => d.dag_id);
/** Calls to Airflow about one DAG on its own (its path names it). */
const callsNaming = (dagId: string) => airflow.fake.calls.filter((c) => c.path.includes(`/dags/${dagId}`));

describe('WATCH_DAGS', () => {
  it('watches the listed DAGs and those the selection matches, with their tags, and nothing else', async () => {
    const http = await airflow.serve(scenario());
    const all = await http.get('/api/dags').expect(200);
    expect(ids(all.body)).toEqual([DAG, 'etl_hr', 'etl_sales']);
    expect(all.body.dags[2]).toMatchObject({ dag_id: 'etl_sales', state: 'failed' });
    expect([...all.body.dags[2].tags].sort()).toEqual(['daily', 'finance']);
    const finance = await http.get('/api/dags?tag=finance&tag=marketing').expect(200);
    expect(ids(finance.body)).toEqual(['etl_sales']);
    expect(finance.body.total).toBe(1);
  });

  it('answers a DAG outside the selection exactly like one Airflow does not know, and never reads it', async () => {
    const http = await airflow.serve(scenario());
    await http.get('/api/dags').expect(200);
    const hidden = await http.get('/api/dags/secret_payroll/status').expect(404);
    const unknown = await http.get('/api/dags/etl_nothing/status').expect(404);
    const shape = (body: Record<string, unknown>) => ({ ...body, message: '', request_id: '', path: '', timestamp: '' });
    expect(shape(hidden.body)).toEqual(shape(unknown.body));
    expect(hidden.body.message).toBe('DAG "secret_payroll" was not found');
    await http.get('/api/dags/secret_payroll/badge.svg').expect(404);
    await http.get('/api/events?dag_id=secret_payroll').expect(404);
    expect(callsNaming('secret_payroll')).toEqual([]);
  });

  it('takes in a new matching DAG within a DAG list period, streams it to a stream of every DAG, and lets a deleted one go', async () => {
    const app = await airflow.start(scenario());
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const http = request(app.getHttpServer());
    const stream = await SseClient.open(`${base}/api/events`);
    try {
      await stream.until('a status per DAG', (c) => c.statuses.length === 3);
      const next = scenario();
      next.dags = { ...next.dags, etl_budget: [run('etl_budget', 'failed')] };
      delete next.dags.etl_hr;
      airflow.fake.setScenario(next);
      await until('etl_budget to join and etl_hr to leave', async () => {
        const listed = ids((await http.get('/api/dags').expect(200)).body);
        return listed.includes('etl_budget') && !listed.includes('etl_hr') ? listed : null;
      });
      await http.get('/api/dags/etl_hr/status').expect(404);
      expect((await http.get('/api/dags/etl_budget/status').expect(200)).body).toMatchObject({ state: 'failed' });
      await stream.until('etl_budget on the stream', (c) => c.statuses.some((s) => s.data.dag_id === 'etl_budget'));
      const metrics = (await http.get('/metrics').expect(200)).text;
      expect(metrics).toContain('airflow_dag_latest_run_state{dag_id="etl_budget",state="failed"} 1');
      expect(metrics).not.toContain('dag_id="etl_hr"');
    } finally {
      stream.close();
    }
  });
});
