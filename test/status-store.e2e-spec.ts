import { describe, expect, it } from '@jest/globals';
import { FakeAirflow } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow } from './support/service-app.js';

const DAG = 'Airflow_Lab2';
const TTL_S = 60;
const airflow = againstFakeAirflow({ ALLOWED_DAG_IDS: `${DAG},Other_DAG`, STATUS_CACHE_TTL_MS: String(TTL_S * 1000) });
const runs = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    FakeAirflow.run({ dag_id: DAG, dag_run_id: `r${i}`, state: 'success', run_after: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }),
  );

describe('the mirror behind every route', () => {
  it('reads a DAG whole once, and its hundred newest runs once per TTL whatever larger limits clients ask', async () => {
    const http = await airflow.serve({ dags: { [DAG]: runs(150) } });
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    for (let limit = 1; limit <= 100; limit++) {
      const res = await http.get(`/api/dags/${DAG}/runs?limit=${limit}`).expect(200);
      expect(res.body.runs).toHaveLength(limit);
      expect(res.body.runs[0].run_id).toBe('r149');
    }
    for (const path of [`/api/dags/${DAG}/status`, '/', '/success', `/api/dags/${DAG}/runs`]) await http.get(path);
    const reads = airflow.fake.calls.filter((call) => call.path.endsWith(`/dags/${DAG}/dagRuns`)).map((call) => call.query.limit);
    // The mirror's first read of the DAG (its ten newest), then one of a hundred for the limits above ten.
    expect(reads).toEqual(['10', '100']);
  });

  it('tells caches how long a JSON answer stays fresh, beside its ETag; errors are not to be stored', async () => {
    const http = await airflow.serve({ dags: { [DAG]: runs(3) } });
    for (const path of [`/api/dags/${DAG}/status`, `/api/dags/${DAG}/runs?limit=2`]) {
      const res = await http.get(path).expect(200);
      const maxAge = Number(/^max-age=(\d+)$/.exec(res.headers['cache-control'] ?? '')?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThanOrEqual(TTL_S);
      expect(res.headers.etag).toMatch(/^W\/"/);
    }
    expect((await http.get('/api/dags/Secret_DAG/status').expect(404)).headers['cache-control']).toBe('no-store');
  });
});
