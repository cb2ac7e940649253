import { Injectable } from '@nestjs/common';
import { parseDag, parseRunCollection } from './airflow.responses.js';
import { AirflowSession } from './airflow.session.js';
import { AirflowTransport } from './airflow.transport.js';
import type { AirflowConnectionInfo, DagInfo, DagRun } from './airflow.types.js';

/**
 * The reads this service makes of Airflow, the same on both API versions.
 * Nothing else in the service talks to Airflow: the session knows the server
 * and signs requests, the transport carries them and names their failures.
 */
@Injectable()
export class AirflowRepository {
  constructor(
    private readonly session: AirflowSession,
    private readonly transport: AirflowTransport,
  ) {}

  /** What has been worked out so far about the server (address, API version, auth scheme); never asks it. */
  connectionInfo(): AirflowConnectionInfo {
    return this.session.connectionInfo();
  }

  /**
   * The newest `limit` runs of a DAG, newest first. Newest means the latest
   * `run_after` on Airflow 3: a manual run may have no logical date, so
   * ordering by it would hide the newest run.
   * @throws AirflowError (DagNotFoundError when Airflow does not know the DAG)
   */
  async listRuns(dagId: string, limit: number): Promise<DagRun[]> {
    const version = await this.session.apiVersion();
    // v1 (Airflow 2) always has a logical (execution) date and rejects logical_date as a sort key.
    const orderBy = version === 'v2' ? '-run_after' : '-execution_date';
    const response = await this.session.send({
      method: 'GET',
      path: `/dags/${encodeURIComponent(dagId)}/dagRuns`,
      endpoint: 'list_dag_runs',
      params: { order_by: orderBy, limit },
    });
    const runs = parseRunCollection(version, this.transport.json(response, 'list_dag_runs', dagId));
    // Airflow 2 lists no runs for a DAG it does not know (no 404, unlike Airflow 3): ask for the DAG itself.
    if (version === 'v1' && runs.length === 0) await this.getDag(dagId);
    return runs;
  }

  /**
   * A DAG's details; proves at once that Airflow is reachable, accepts our
   * credentials and knows the DAG.
   * @throws AirflowError (DagNotFoundError when Airflow does not know the DAG)
   */
  async getDag(dagId: string): Promise<DagInfo> {
    const response = await this.session.send({ method: 'GET', path: `/dags/${encodeURIComponent(dagId)}`, endpoint: 'get_dag' });
    return parseDag(this.transport.json(response, 'get_dag', dagId));
  }

  /** The Airflow UI address of a run (or of the DAG when runId is null), for people. */
  uiUrl(dagId: string, runId: string | null): string {
    const { baseUrl: base, apiVersion } = this.session.connectionInfo();
    const dag = encodeURIComponent(dagId);
    if (apiVersion === 'v1') {
      return runId === null ? `${base}/dags/${dag}/grid` : `${base}/dags/${dag}/grid?dag_run_id=${encodeURIComponent(runId)}`;
    }
    return runId === null ? `${base}/dags/${dag}` : `${base}/dags/${dag}/runs/${encodeURIComponent(runId)}`;
  }
}
