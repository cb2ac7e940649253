import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AirflowRepository } from '../airflow/airflow.repository.js';
import { AirflowError, DagNotFoundError } from '../airflow/airflow.errors.js';
import type { DagRun } from '../airflow/airflow.types.js';
import { SingleFlightCache } from '../cache/single-flight.cache.js';
import type { AllConfig } from '../config/config.type.js';
import type { DagStatusConfig } from '../config/dag-status.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { DagStatus, NotSuccessReason, StatusVerdict } from './dag-status.types.js';

interface RunsRead {
  runs: DagRun[];
  fetchedAt: string;
}

const EXPLANATIONS: Record<NotSuccessReason, string> = {
  no_run: 'The DAG has no run yet.',
  queued: 'The latest run is queued and has not started yet.',
  running: 'The latest run is still running.',
  failed: 'The latest run failed.',
  other_state: 'The latest run has not succeeded.',
  airflow_unreachable: 'Airflow cannot be reached, so the state of the DAG is unknown.',
  airflow_timeout: 'Airflow did not answer in time, so the state of the DAG is unknown.',
  airflow_auth_refused: 'Airflow refused the credentials this service uses, so the state of the DAG is unknown.',
  airflow_bad_response: 'Airflow answered something unexpected, so the state of the DAG is unknown.',
  dag_not_found: 'Airflow does not know this DAG.',
};

/**
 * Reads DAG runs through the Airflow client, at most one Airflow call per DAG
 * (and page size) in flight, answers reused for STATUS_CACHE_TTL_MS.
 */
@Injectable()
export class DagStatusService {
  private readonly config: DagStatusConfig;
  private readonly cache: SingleFlightCache<string, RunsRead>;
  /** One status object per cached read, so that callers can memoise what they derive from it. */
  private readonly statuses = new WeakMap<RunsRead, DagStatus>();

  constructor(
    private readonly airflow: AirflowRepository,
    private readonly metrics: MetricsService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('dagStatus', { infer: true });
    this.cache = new SingleFlightCache(this.config.cacheTtlMs);
  }

  get targetDagId(): string {
    return this.config.targetDagId;
  }

  /** The latest run of an allowed DAG. @throws AirflowError (DagNotFoundError for a DAG outside ALLOWED_DAG_IDS) */
  async getStatus(dagId: string): Promise<DagStatus> {
    return this.statusOf(dagId, await this.readRuns(dagId, 1));
  }

  /**
   * The latest run of an allowed DAG when a fresh, successful read of it is
   * cached, synchronously and without asking Airflow; undefined otherwise (then
   * `getStatus` decides). The same object comes back for as long as that read
   * is cached, so a caller may memoise what it derives from it.
   */
  peekStatus(dagId: string): DagStatus | undefined {
    if (!this.config.allowedDagIds.includes(dagId)) return undefined;
    const read = this.cache.peek(`${dagId}\n1`);
    if (read === undefined) return undefined;
    this.metrics.recordCacheLookup(true);
    return this.statusOf(dagId, read);
  }

  /** The newest `limit` runs of an allowed DAG. @throws AirflowError (DagNotFoundError for a DAG outside ALLOWED_DAG_IDS) */
  async listRuns(dagId: string, limit: number): Promise<RunsRead> {
    return this.readRuns(dagId, limit);
  }

  /** The seed's verdict on the target DAG; never throws for an Airflow failure, it explains it. */
  async verdict(): Promise<StatusVerdict> {
    const dagId = this.config.targetDagId;
    try {
      const status = await this.getStatus(dagId);
      const reason = this.reasonFor(status.run);
      return {
        outcome: reason === null ? 'success' : 'failure',
        reason,
        explanation: reason === null ? 'The latest run succeeded.' : EXPLANATIONS[reason],
        dagId,
        run: status.run,
        airflowUrl: this.airflow.uiUrl(dagId, status.run?.runId ?? null),
        fetchedAt: status.fetchedAt,
      };
    } catch (error) {
      if (!(error instanceof AirflowError)) throw error;
      return {
        outcome: 'failure',
        reason: error.reason,
        explanation: EXPLANATIONS[error.reason],
        dagId,
        run: null,
        airflowUrl: this.airflow.uiUrl(dagId, null),
        fetchedAt: new Date().toISOString(),
      };
    }
  }

  private statusOf(dagId: string, read: RunsRead): DagStatus {
    let status = this.statuses.get(read);
    if (status === undefined) {
      status = { dagId, run: read.runs[0] ?? null, fetchedAt: read.fetchedAt };
      this.statuses.set(read, status);
    }
    return status;
  }

  private reasonFor(run: DagRun | null): NotSuccessReason | null {
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

  private readRuns(dagId: string, limit: number): Promise<RunsRead> {
    this.assertAllowed(dagId);
    const { value, hit } = this.cache.get(`${dagId}\n${limit}`, async () => {
      const runs = await this.airflow.listRuns(dagId, limit);
      this.metrics.recordDagState(dagId, runs[0]?.state ?? null);
      return { runs, fetchedAt: new Date().toISOString() };
    });
    this.metrics.recordCacheLookup(hit);
    return value;
  }

  private assertAllowed(dagId: string): void {
    // The service holds Airflow credentials: it must not become a way to read every DAG,
    // nor tell which DAGs exist, so a DAG outside the list is answered like an unknown one.
    if (!this.config.allowedDagIds.includes(dagId)) throw new DagNotFoundError(dagId);
  }
}
