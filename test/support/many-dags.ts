import { FakeAirflow, type FakeAirflowOptions } from '../fake-airflow/fake-airflow.js';
import type { ServiceEnv } from './service-app.js';

/** What a DAG of the fleet shows: its latest run's state, no run, or unknown to Airflow. */
export const FLEET_KINDS = ['success', 'failed', 'running', 'queued', 'no_run', 'unknown'] as const;
export type FleetKind = (typeof FLEET_KINDS)[number];

/** A fleet of DAGs as a large Airflow holds them, for the tests of the overview at scale. */
export interface Fleet {
  /** In the order of ALLOWED_DAG_IDS. */
  ids: string[];
  kindOf: (dagId: string) => FleetKind;
  /** The fake Airflow's DAGs and runs (the `unknown` ones absent: Airflow does not know them). */
  dags: FakeAirflowOptions['dags'];
  /** ALLOWED_DAG_IDS, TARGET_DAG_ID and a deadline for the service. */
  env: ServiceEnv;
}

/**
 * `count` DAGs whose kinds cycle through FLEET_KINDS (so each kind holds count / 6 of them), named
 * `Sales.Nightly_0000` (every third, i % 3 === 0) or `ops-hourly_0001`, for text filters.
 */
export function fleet(count: number): Fleet {
  const ids: string[] = [];
  const kinds = new Map<string, FleetKind>();
  const dags: FakeAirflowOptions['dags'] = {};
  for (let i = 0; i < count; i++) {
    const id = `${i % 3 === 0 ? 'Sales.Nightly' : 'ops-hourly'}_${String(i).padStart(4, '0')}`;
    const kind = FLEET_KINDS[i % FLEET_KINDS.length];
    ids.push(id);
    kinds.set(id, kind);
    if (kind === 'no_run') dags[id] = [];
    else if (kind !== 'unknown') dags[id] = [FakeAirflow.run({ dag_id: id, state: kind })];
  }
  return {
    ids,
    kindOf: (dagId) => kinds.get(dagId)!,
    dags,
    // Today's store reads every DAG at once: on a busy 2-core machine some of hundreds of reads take longer than the default 5 s.
    env: { ALLOWED_DAG_IDS: ids.join(','), TARGET_DAG_ID: ids[0], AIRFLOW_TIMEOUT_MS: '60000' },
  };
}
