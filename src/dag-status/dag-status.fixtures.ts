import { runOf } from '../airflow/airflow.fixtures.js';
import type { DagOverview } from './dag-status.types.js';

// Test data for specs only (tsconfig.build.json leaves *.fixtures.ts out of the build).

/** Airflow_Lab2's overview after a successful run `r1`, with whatever `fields` change. */
export function overviewOf(fields: Partial<DagOverview> = {}): DagOverview {
  return {
    outcome: 'success',
    reason: null,
    explanation: 'The latest run succeeded.',
    dagId: 'Airflow_Lab2',
    run: runOf(),
    airflowUrl: 'http://localhost:8080/dags/Airflow_Lab2',
    fetchedAt: '2026-12-01T00:00:00.000Z',
    history: { lastFinished: null, lastSuccess: null, failedTasks: [] },
    stale: null,
    airflowError: null,
    recentRuns: [],
    tags: [],
    ...fields,
  };
}
