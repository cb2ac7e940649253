import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { redactable, upstreamLine } from '../common/scrub-credentials.js';
import type { AllConfig } from '../config/config.type.js';
import { AirflowAuthError, AirflowBadResponseError, AirflowConfigMismatchError } from './airflow.errors.js';
import {
  errorDetail,
  firstErrorLine,
  parseDagAttributes,
  parseDagCollection,
  parseHealth,
  parseImportErrors,
  parseRunCollection,
  parseRunPage,
  parseTaskInstanceCollection,
} from './airflow.responses.js';
import { AirflowSession } from './airflow.session.js';
import { AirflowTransport, type AirflowEndpoint } from './airflow.transport.js';
import type { AxiosResponse } from 'axios';
import type {
  AirflowConnectionInfo,
  AirflowHealth,
  AirflowPage,
  AirflowPageToken,
  DagAttributes,
  DagRun,
  ImportErrorInfo,
  TaskInstance,
} from './airflow.types.js';

/** Airflow's largest page ([api] maximum_page_limit). */
const AIRFLOW_PAGE_LIMIT = 100;
/**
 * Rows an offset page repeats of the one before: offsets shift when rows are deleted between two
 * pages, and a repeated row is deduplicated by its id while a skipped one would be lost.
 */
const OFFSET_OVERLAP = 5;
/** An import error's first line in an answer: enough for "ModuleNotFoundError: No module named …", short enough for a badge of trouble. */
const IMPORT_ERROR_MAX_CHARS = 200;
/** A file name in an answer: deep paths fit, a hostile one does not fill the page. */
const FILENAME_MAX_CHARS = 300;

/**
 * The reads this service makes of Airflow, the same on both API versions.
 * Nothing else in the service talks to Airflow: the session knows the server
 * and signs requests, the transport carries them and names their failures.
 */
@Injectable()
export class AirflowRepository {
  /** TARGET_DAG_ID: the pages and readiness depend on its reads, which go on the priority lane. */
  private readonly priorityDagId: string;
  /** AIRFLOW_PASSWORD (when long enough not to be a word), scrubbed from Airflow's text before it reaches an answer. */
  private readonly secrets: readonly string[];
  private readonly username: string;

  constructor(
    private readonly session: AirflowSession,
    private readonly transport: AirflowTransport,
    config: ConfigService<AllConfig, true>,
  ) {
    this.priorityDagId = config.getOrThrow('dagStatus', { infer: true }).targetDagId;
    const { password, username } = config.getOrThrow('airflow', { infer: true });
    this.secrets = redactable([password]);
    this.username = username;
  }

  /** What has been worked out so far about the server (address, API version, auth scheme); never asks it. */
  connectionInfo(): AirflowConnectionInfo {
    return this.session.connectionInfo();
  }

  /**
   * The newest `limit` runs of a DAG, newest first: by `run_after` on Airflow 3, as a manual run may
   * have no logical date. Within one AIRFLOW_TIMEOUT_MS.
   * @param states only runs in one of these states (Airflow's `state` filter, on both API versions), e.g.
   *   `['success']` for the newest successful run; every run when absent
   * @throws AirflowError (DagNotFoundError when Airflow does not know the DAG)
   */
  async listRuns(dagId: string, limit: number, states?: readonly string[]): Promise<DagRun[]> {
    return this.transport.withinDeadline(async (deadline) => {
      const version = await this.session.apiVersion();
      // v1 (Airflow 2) always has a logical (execution) date and rejects logical_date as a sort key.
      const orderBy = version === 'v2' ? '-run_after' : '-execution_date';
      const response = await this.session.send({
        method: 'GET',
        path: `/dags/${encodeURIComponent(dagId)}/dagRuns`,
        endpoint: 'list_dag_runs',
        params: states === undefined ? { order_by: orderBy, limit } : { order_by: orderBy, limit, state: states },
        deadline,
        ...(dagId === this.priorityDagId ? { priority: true } : {}),
      });
      const runs = parseRunCollection(version, this.transport.json(response, 'list_dag_runs', dagId));
      // Airflow 2 lists no runs for a DAG it does not know (no 404, unlike Airflow 3): ask for the DAG itself.
      if (version === 'v1' && runs.length === 0 && states === undefined) await this.getDag(dagId);
      return runs;
    });
  }

  /**
   * One page of a DAG's runs due at or after `since` (ISO 8601), newest first, Airflow's largest page at
   * `offset`: its past over a reliability window. By `run_after` on Airflow 3; by logical (execution) date
   * on Airflow 2, which has no due time to filter on (a run whose interval straddles `since` is not listed).
   * Offsets shift when runs come or go between two pages: each page repeats the end of the one before.
   * @throws AirflowError (DagNotFoundError when Airflow 3 does not know the DAG)
   */
  async listRunsDueSince(dagId: string, since: string, offset: number): Promise<AirflowPage<DagRun>> {
    return this.transport.withinDeadline(async (deadline) => {
      const version = await this.session.apiVersion();
      const params: Record<string, string | number> =
        version === 'v2'
          ? { run_after_gte: since, order_by: '-run_after', limit: AIRFLOW_PAGE_LIMIT, offset }
          : { execution_date_gte: since, order_by: '-execution_date', limit: AIRFLOW_PAGE_LIMIT, offset };
      const response = await this.session.send({
        method: 'GET',
        path: `/dags/${encodeURIComponent(dagId)}/dagRuns`,
        endpoint: 'list_dag_runs',
        params,
        deadline,
      });
      const runs = parseRunCollection(version, this.transport.json(response, 'list_dag_runs', dagId));
      const next = runs.length >= AIRFLOW_PAGE_LIMIT ? { offset: offset + AIRFLOW_PAGE_LIMIT - OFFSET_OVERLAP } : null;
      return { items: runs, next, serverTime: serverTimeOf(response) };
    });
  }

  /**
   * The task instances of a run that are in one of `states` (Airflow's `state` filter; at most
   * one page of 100, more than any DAG here has failed tasks), in Airflow's order.
   * @throws AirflowError (DagNotFoundError when Airflow knows neither the DAG nor the run)
   */
  async listTaskInstances(dagId: string, runId: string, states: readonly string[]): Promise<TaskInstance[]> {
    return this.transport.withinDeadline(async (deadline) => {
      const response = await this.session.send({
        method: 'GET',
        path: `/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}/taskInstances`,
        endpoint: 'list_task_instances',
        // 100 is Airflow's maximum page ([api] maximum_page_limit).
        params: { state: states, limit: 100 },
        deadline,
      });
      return parseTaskInstanceCollection(this.transport.json(response, 'list_task_instances', dagId));
    });
  }

  /**
   * One page of the runs of every DAG created or changed at or after `since` (Airflow's clock, ISO
   * 8601; every run when null), in the order Airflow created them. Airflow 3.3+ pages by a keyset
   * cursor, which rows changing meanwhile cannot shift; older servers by offset, with an overlap.
   * @throws AirflowError
   */
  async listRunsChanged(since: string | null, page: AirflowPageToken | null): Promise<AirflowPage<DagRun>> {
    return this.transport.withinDeadline(async (deadline) => {
      const version = await this.session.apiVersion();
      const offset = page !== null && 'offset' in page ? page.offset : 0;
      const params: Record<string, string | number> = { order_by: 'id', limit: AIRFLOW_PAGE_LIMIT, offset };
      if (since !== null) params.updated_at_gte = since;
      // Airflow 2 refuses parameters it does not know (strict validation); Airflow 3.0-3.2 ignore `cursor`.
      if (version === 'v2') params.cursor = page !== null && 'cursor' in page ? page.cursor : '';
      const response = await this.session.send({
        method: 'GET',
        path: '/dags/~/dagRuns',
        endpoint: 'list_dag_runs_changed',
        params,
        deadline,
      });
      if (version === 'v1' && response.status === 400 && /updated_at/.test(errorDetail(response.data) ?? '')) {
        // Airflow 2 validates parameters strictly: before 2.6 it has no updated_at filter, the one thing a sync needs.
        throw this.transport.noteFailure(
          new AirflowConfigMismatchError(
            'This Airflow 2 cannot list runs by updated_at (added in Airflow 2.6); the service needs Airflow 2.6 or later',
          ),
        );
      }
      const { runs, nextCursor } = parseRunPage(version, this.transport.json(response, 'list_dag_runs_changed'));
      let next: AirflowPageToken | null = null;
      if (nextCursor !== undefined) next = nextCursor === null ? null : { cursor: nextCursor };
      else if (runs.length >= AIRFLOW_PAGE_LIMIT) next = { offset: offset + AIRFLOW_PAGE_LIMIT - OFFSET_OVERLAP };
      return { items: runs, next, serverTime: serverTimeOf(response) };
    });
  }

  /**
   * One page of Airflow's DAG list (active DAGs, by id), with the attributes the service watches.
   * @throws AirflowError
   */
  async listDags(offset: number): Promise<AirflowPage<DagAttributes> & { total: number | null }> {
    return this.transport.withinDeadline(async (deadline) => {
      const version = await this.session.apiVersion();
      // Airflow 3 makes a DAG whose file fails to import stale, and leaves stale DAGs out of the list unless asked:
      // they are listed (`isStale`) so that a broken file shows as such rather than as a DAG gone. Airflow 2 keeps them active.
      const params: Record<string, string | number> = { limit: AIRFLOW_PAGE_LIMIT, offset };
      if (version === 'v2') params.exclude_stale = 'false';
      const response = await this.session.send({ method: 'GET', path: '/dags', endpoint: 'list_dags', params, deadline });
      const { dags, total } = parseDagCollection(version, this.transport.json(response, 'list_dags'));
      // DAGs are listed by id: offsets only shift when one comes or goes, which the next listing sees.
      const next = dags.length >= AIRFLOW_PAGE_LIMIT ? { offset: offset + dags.length } : null;
      return { items: dags, next, serverTime: serverTimeOf(response), total };
    });
  }

  /**
   * A DAG's details, which prove that Airflow is reachable, accepts our credentials and knows the DAG;
   * on the priority lane (readiness) unless `background` (the mirror's refreshes).
   * @throws AirflowError (DagNotFoundError when Airflow does not know the DAG)
   */
  async getDag(dagId: string, background = false): Promise<DagAttributes> {
    return this.transport.withinDeadline(async (deadline) => {
      const version = await this.session.apiVersion();
      const response = await this.session.send({
        method: 'GET',
        path: `/dags/${encodeURIComponent(dagId)}`,
        endpoint: 'get_dag',
        deadline,
        priority: !background,
      });
      return parseDagAttributes(version, this.transport.json(response, 'get_dag', dagId));
    });
  }

  /**
   * One page of Airflow's import errors (the files that fail to import, with the DAG list's permissions), each
   * reduced to its file and the first line of its error, scrubbed (credentials, control characters, length) as
   * any text from Airflow that reaches an answer.
   * @throws AirflowError
   */
  async listImportErrors(offset: number): Promise<AirflowPage<ImportErrorInfo> & { total: number | null }> {
    return this.transport.withinDeadline(async (deadline) => {
      const version = await this.session.apiVersion();
      const response = await this.session.send({
        method: 'GET',
        path: '/importErrors',
        endpoint: 'list_import_errors',
        params: { limit: AIRFLOW_PAGE_LIMIT, offset },
        deadline,
      });
      refusedAlone(response, 'list_import_errors', this.username);
      const { errors, total } = parseImportErrors(version, this.transport.json(response, 'list_import_errors'));
      const items = errors.map((error) => ({
        filename: upstreamLine(error.filename, this.secrets, FILENAME_MAX_CHARS),
        bundleName: error.bundleName === null ? null : upstreamLine(error.bundleName, this.secrets, FILENAME_MAX_CHARS),
        message: upstreamLine(firstErrorLine(error.stackTrace), this.secrets, IMPORT_ERROR_MAX_CHARS),
      }));
      const next = errors.length >= AIRFLOW_PAGE_LIMIT ? { offset: offset + errors.length } : null;
      return { items, next, serverTime: serverTimeOf(response), total };
    });
  }

  /**
   * What Airflow's health endpoint (`/monitor/health` on v2, `/health` on v1) says of its scheduler and DAG
   * processor: whether their heartbeats are recent.
   * @throws AirflowError
   */
  async health(): Promise<AirflowHealth> {
    return this.transport.withinDeadline(async (deadline) => {
      const version = await this.session.apiVersion();
      const response = await this.session.send({
        method: 'GET',
        path: version === 'v2' ? '/monitor/health' : '/health',
        endpoint: 'health',
        deadline,
      });
      refusedAlone(response, 'health', this.username);
      return parseHealth(this.transport.json(response, 'health'));
    });
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

  /** The Airflow UI address of a task instance's log, for people (the grid's log tab on Airflow 2). */
  taskLogUrl(dagId: string, runId: string, taskId: string, mapIndex = -1): string {
    const { baseUrl: base, apiVersion } = this.session.connectionInfo();
    const [dag, run, task] = [dagId, runId, taskId].map(encodeURIComponent);
    if (apiVersion === 'v1') {
      const mapped = mapIndex >= 0 ? `&map_index=${mapIndex}` : '';
      return `${base}/dags/${dag}/grid?dag_run_id=${run}&task_id=${task}${mapped}&tab=logs`;
    }
    return `${base}/dags/${dag}/runs/${run}/tasks/${task}${mapIndex >= 0 ? `/mapped/${mapIndex}` : ''}`;
  }
}

/**
 * A 403 or 404 to one of the reads beside the DAGs (import errors, health): that endpoint is denied to the user
 * or missing here, which says nothing of the link to Airflow, so it is thrown without marking Airflow down.
 * @throws AirflowAuthError (403) or AirflowBadResponseError (404)
 */
function refusedAlone(response: AxiosResponse, endpoint: AirflowEndpoint, username: string): void {
  if (response.status === 403) throw new AirflowAuthError(`Airflow denied user "${username}" access to ${endpoint} (HTTP 403)`);
  if (response.status === 404) throw new AirflowBadResponseError(`Airflow has no ${endpoint} (HTTP 404)`);
}

/** Airflow's clock when it answered, from its `Date` header (1 s resolution), or null without one. */
function serverTimeOf(response: AxiosResponse): number | null {
  const header: unknown = response.headers.date;
  const time = typeof header === 'string' ? Date.parse(header) : NaN;
  return Number.isNaN(time) ? null : time;
}
