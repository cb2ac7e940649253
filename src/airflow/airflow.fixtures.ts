import type { DagRun } from './airflow.types.js';

// Test data for specs only (tsconfig.build.json leaves *.fixtures.ts out of the build).

/** A run of Airflow_Lab2 as the client reads it: a manual success unless `fields` say otherwise. */
export function runOf(fields: Partial<DagRun> = {}): DagRun {
  return {
    dagId: 'Airflow_Lab2',
    runId: 'r1',
    state: 'success',
    logicalDate: null,
    runAfter: '2026-01-01T00:00:00Z',
    startDate: null,
    endDate: null,
    note: null,
    runType: 'manual',
    ...fields,
  };
}
