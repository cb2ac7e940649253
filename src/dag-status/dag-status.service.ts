import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AirflowRepository } from '../airflow/airflow.repository.js';
import type { DagRun } from '../airflow/airflow.types.js';
import type { AllConfig } from '../config/config.type.js';
import { DagStatusStore, type DagSnapshot } from './dag-status.store.js';
import type { NotSuccessReason, StatusVerdict } from './dag-status.types.js';

const EXPLANATIONS: Record<NotSuccessReason, string> = {
  no_run: 'The DAG has no run yet.',
  queued: 'The latest run is queued and has not started yet.',
  running: 'The latest run is still running.',
  failed: 'The latest run failed.',
  other_state: 'The latest run has not succeeded.',
  airflow_unreachable: 'Airflow cannot be reached, so the state of the DAG is unknown.',
  airflow_timeout: 'Airflow did not answer in time, so the state of the DAG is unknown.',
  airflow_auth_refused: 'Airflow refused the credentials this service uses, so the state of the DAG is unknown.',
  config_mismatch: "This service's Airflow settings do not fit the Airflow it talks to, so the state of the DAG is unknown.",
  airflow_bad_response: 'Airflow answered something unexpected, so the state of the DAG is unknown.',
  dag_not_found: 'Airflow does not know this DAG.',
};

/** Reads of the store as the routes need them: a successful snapshot for the JSON API, the seed's verdict for the pages. */
@Injectable()
export class DagStatusService {
  readonly targetDagId: string;

  constructor(
    private readonly store: DagStatusStore,
    private readonly airflow: AirflowRepository,
    config: ConfigService<AllConfig, true>,
  ) {
    this.targetDagId = config.getOrThrow('dagStatus', { infer: true }).targetDagId;
  }

  /**
   * A snapshot of an allowed DAG holding at least `runs` runs.
   * @throws AirflowError when Airflow could not be read (DagNotFoundError for a DAG outside ALLOWED_DAG_IDS)
   */
  async read(dagId: string, runs = 1): Promise<DagSnapshot & { runs: readonly DagRun[] }> {
    const snapshot = await this.store.read(dagId, runs);
    if (snapshot.error !== null) throw snapshot.error;
    return snapshot as DagSnapshot & { runs: readonly DagRun[] };
  }

  /** The seed's verdict on the target DAG; never throws for an Airflow failure, it explains it. */
  async verdict(): Promise<StatusVerdict> {
    const dagId = this.targetDagId;
    const snapshot = await this.store.read(dagId);
    if (snapshot.error !== null) {
      return {
        outcome: 'failure',
        reason: snapshot.error.reason,
        explanation: EXPLANATIONS[snapshot.error.reason],
        dagId,
        run: null,
        airflowUrl: this.airflow.uiUrl(dagId, null),
        fetchedAt: new Date().toISOString(),
      };
    }
    const run = snapshot.runs?.[0] ?? null;
    const reason = reasonFor(run);
    return {
      outcome: reason === null ? 'success' : 'failure',
      reason,
      explanation: reason === null ? 'The latest run succeeded.' : EXPLANATIONS[reason],
      dagId,
      run,
      airflowUrl: this.airflow.uiUrl(dagId, run?.runId ?? null),
      fetchedAt: snapshot.fetchedAt,
    };
  }
}

function reasonFor(run: DagRun | null): NotSuccessReason | null {
  if (run === null) return 'no_run';
  switch (run.state) {
    case 'success':
      return null;
    case 'failed':
      return 'failed';
    case 'running':
      return 'running';
    case 'queued':
      return 'queued';
    default:
      return 'other_state';
  }
}
