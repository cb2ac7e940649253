import type { AirflowConfig } from '../config/airflow.config.js';
import type { DagAttributes, DagRun } from './airflow.types.js';

// Test data for specs only (tsconfig.build.json leaves *.fixtures.ts out of the build).

/** The settings of a spec's Airflow client; its password is one to look for in logs. */
export const AIRFLOW_CONFIG: AirflowConfig = {
  baseUrl: 'http://airflow:8080',
  username: 'airflow',
  password: 'pw',
  auth: 'auto',
  apiVersion: 'auto',
  timeoutMs: 1000,
  maxConcurrency: 4,
};

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

/** A DAG as Airflow's DAG list gives it: active, importable, without schedule, tags or owners unless `fields` say. */
export function attributesOf(dagId: string, fields: Partial<DagAttributes> = {}): DagAttributes {
  return {
    dagId,
    isPaused: false,
    hasImportErrors: false,
    nextRunAfter: null,
    tags: [],
    owners: [],
    schedule: null,
    fileloc: null,
    bundleName: null,
    isStale: false,
    ...fields,
  };
}
