import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpService } from '@nestjs/axios';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AxiosError, type AxiosResponse } from 'axios';
import { scrubCredentials } from '../common/scrub-credentials.js';
import type { AirflowConfig } from '../config/airflow.config.js';
import type { AllConfig } from '../config/config.type.js';
import { MetricsService } from '../metrics/metrics.service.js';
import {
  AirflowAuthError,
  AirflowBadResponseError,
  AirflowError,
  AirflowOverloadedError,
  AirflowTimeoutError,
  AirflowUnreachableError,
  DagNotFoundError,
} from './airflow.errors.js';
import { errorDetail } from './airflow.responses.js';

/** Socket errors worth one retry: a keep-alive connection the server closed while idle. */
const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE']);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
]);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED']);
/** Airflow's detail can echo request input; 200 characters is enough to diagnose (in the log only). */
const DETAIL_MAX_CHARS = 200;
/**
 * Sockets of the priority lane: the target DAG's read, readiness' get_dag, and the token and version
 * probes everything waits on, at most one of each at a time (each is one shared read per TTL), plus one spare.
 */
const PRIORITY_MAX_SOCKETS = 4;

/** A stable label for logs and metrics: no ids in it. */
export type AirflowEndpoint =
  | 'list_dag_runs'
  | 'list_dag_runs_changed'
  | 'list_dags'
  | 'list_task_instances'
  | 'list_import_errors'
  | 'get_dag'
  | 'auth_token'
  | 'health';

/** What everything waits on (token, version probe) and what readiness and failed-task links need: sockets of their own. */
const PRIORITY_ENDPOINTS: ReadonlySet<AirflowEndpoint> = new Set([
  'auth_token',
  'health',
  'get_dag',
  'list_task_instances',
  // The mirror's sync (one call at a time, every DAG's freshness hangs on it) never queues behind whole reads.
  'list_dag_runs_changed',
  'list_dags',
  'list_import_errors',
]);

type AirflowCallOutcome = 'ok' | 'not_found' | 'auth_refused' | 'timeout' | 'overloaded' | 'unreachable' | 'bad_response';

/** One request to Airflow. */
export interface AirflowExchange {
  method: 'GET' | 'POST';
  /** Path below AIRFLOW_WEBSERVER, e.g. `/api/v2/dags/x` or `/auth/token`. */
  path: string;
  endpoint: AirflowEndpoint;
  /** Query parameters; an array is sent as the parameter repeated (`state=a&state=b`), as Airflow's API reads it. */
  params?: Record<string, string | number | readonly string[]>;
  data?: unknown;
  /** Sent beside `Accept: application/json`. */
  headers?: Record<string, string>;
  /** The deadline (performance.now() ms) of the answer this exchange is part of; else AIRFLOW_TIMEOUT_MS from now. */
  deadline?: number;
  /** A read the pages or readiness depend on: on sockets of its own, never queued behind JSON-API traffic. */
  priority?: boolean;
}

/**
 * One HTTP exchange with Airflow: a deadline per whole answer, one retry on a dropped keep-alive
 * socket, failures in our own words (Airflow's text only in the log, scrubbed), a metric per
 * attempt, and a log line when the link changes state. It knows nothing of API versions, auth or DAGs.
 */
@Injectable()
export class AirflowTransport implements OnApplicationShutdown {
  private readonly logger = new Logger(AirflowTransport.name);
  private readonly config: AirflowConfig;
  /** Last known health of the link, so that only changes are logged. */
  private linkState: 'up' | 'down' | 'auth_refused' | null = null;
  private readonly priorityAgents = {
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: PRIORITY_MAX_SOCKETS }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: PRIORITY_MAX_SOCKETS }),
  };

  constructor(
    private readonly http: HttpService,
    private readonly metrics: MetricsService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('airflow', { infer: true });
  }

  onApplicationShutdown(): void {
    this.priorityAgents.httpAgent.destroy();
    this.priorityAgents.httpsAgent.destroy();
  }

  /**
   * Runs `work` under one deadline of AIRFLOW_TIMEOUT_MS for one whole answer, given up at it even
   * while it waits on another caller's token or version probe. The deadline is an argument, not
   * AsyncLocalStorage, which slows every promise of the process.
   * @throws AirflowTimeoutError at the deadline
   */
  async withinDeadline<T>(work: (deadline: number) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(this.noteFailure(this.timeoutError())), this.config.timeoutMs);
    });
    try {
      return await Promise.race([work(performance.now() + this.config.timeoutMs), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends one request and returns Airflow's answer whatever its status (see
   * {@link json} to judge it). Records `airflow_calls_total` per attempt.
   * @throws AirflowTimeoutError past AIRFLOW_TIMEOUT_MS; AirflowUnreachableError when no answer came
   */
  async exchange(exchange: AirflowExchange): Promise<AxiosResponse> {
    const request = {
      method: exchange.method,
      url: `${this.config.baseUrl}${exchange.path}`,
      params: exchange.params,
      // FastAPI (and Airflow 2's connexion) read a list as the parameter repeated, not axios' default `state[]=`.
      paramsSerializer: { indexes: null },
      data: exchange.data,
      headers: { Accept: 'application/json', ...exchange.headers },
    };
    const priority = exchange.priority ?? PRIORITY_ENDPOINTS.has(exchange.endpoint);
    const deadline = exchange.deadline ?? performance.now() + this.config.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      const remainingMs = Math.ceil(deadline - started);
      if (remainingMs <= 0) {
        this.observe(exchange.endpoint, 'timeout', started);
        throw this.noteFailure(this.timeoutError());
      }
      try {
        const response = await this.http.axiosRef.request({
          ...request,
          ...(priority ? this.priorityAgents : {}),
          // A hard deadline; axios' own timeout only covers an idle socket.
          signal: AbortSignal.timeout(remainingMs),
        });
        this.observe(exchange.endpoint, outcomeOf(response.status), started);
        return response;
      } catch (error) {
        const code = error instanceof AxiosError ? (error.code ?? '') : '';
        const mapped = this.mapTransportError(error, code);
        this.observe(exchange.endpoint, mapped instanceof AirflowTimeoutError ? 'timeout' : 'unreachable', started);
        if (attempt === 1 && RETRYABLE_CODES.has(code)) continue;
        throw this.noteFailure(mapped);
      }
    }
  }

  /**
   * The JSON body of a successful answer.
   * @param dagId when given, a 404 means Airflow does not know this DAG
   * @throws AirflowAuthError on 401/403; DagNotFoundError on 404 with `dagId`;
   *   AirflowUnreachableError on 502/503/504; AirflowBadResponseError otherwise
   */
  json(response: AxiosResponse, endpoint: AirflowEndpoint, dagId?: string): unknown {
    const { status } = response;
    if (status >= 200 && status < 300) {
      if (!this.isJson(response)) {
        throw this.noteFailure(new AirflowBadResponseError(`Airflow answered ${endpoint} with a body that is not JSON`));
      }
      this.markUp();
      return response.data;
    }
    if (status === 401 || status === 403) {
      const { username } = this.config;
      throw this.noteFailure(
        new AirflowAuthError(
          status === 401
            ? `Airflow refused the credentials of user "${username}" (HTTP 401)`
            : `Airflow denied user "${username}" access (HTTP 403)`,
        ),
      );
    }
    if (status === 404 && dagId !== undefined) throw this.noteFailure(new DagNotFoundError(dagId));
    if (status === 429) throw this.noteFailure(new AirflowOverloadedError(`Airflow at ${this.config.baseUrl} is overloaded (HTTP 429)`));
    // Airflow's own text (or a proxy's) can echo the request, credentials included: it goes to the log, scrubbed, never into a message.
    const detail = errorDetail(response.data);
    if (detail !== null) this.logger.debug(`Airflow answered ${endpoint} with HTTP ${status}: ${this.scrub(detail)}`);
    if (status === 502 || status === 503 || status === 504) {
      throw this.noteFailure(new AirflowUnreachableError(`Airflow is unavailable (HTTP ${status} from ${this.config.baseUrl})`), detail);
    }
    throw this.noteFailure(new AirflowBadResponseError(`Airflow answered ${endpoint} with HTTP ${status}`), detail);
  }

  /** Upstream text made fit for the log: cut short, the password and anything credential-like removed. */
  private scrub(text: string): string {
    // Scrubbed whole, then cut: a cut first could leave the start of a secret behind.
    return scrubCredentials(text, [this.config.password]).slice(0, DETAIL_MAX_CHARS);
  }

  /** Whether an answer carries a JSON object (or array), by its content type and parsed body. */
  isJson(response: AxiosResponse): boolean {
    const type = String(response.headers['content-type'] ?? '');
    return type.includes('json') && typeof response.data === 'object' && response.data !== null;
  }

  /** Logs the change of link state a failure means, and returns it to be thrown (an unknown DAG proves the link up). */
  noteFailure<E extends AirflowError>(error: E, upstreamDetail?: string | null): E {
    if (error instanceof DagNotFoundError) this.markUp();
    else if (error instanceof AirflowAuthError) this.markAuthRefused();
    else this.markDown(upstreamDetail ? `${error.message} (Airflow said: ${this.scrub(upstreamDetail)})` : error.message);
    return error;
  }

  private timeoutError(): AirflowTimeoutError {
    return new AirflowTimeoutError(`Airflow at ${this.config.baseUrl} did not answer within ${this.config.timeoutMs} ms`);
  }

  private mapTransportError(error: unknown, code: string): AirflowError {
    const where = this.config.baseUrl;
    // Our deadline's abort reason is a DOMException named TimeoutError, which is not always instanceof Error.
    if (TIMEOUT_CODES.has(code) || (typeof error === 'object' && error !== null && 'name' in error && error.name === 'TimeoutError')) {
      return this.timeoutError();
    }
    if (UNREACHABLE_CODES.has(code)) {
      return new AirflowUnreachableError(`Airflow at ${where} cannot be reached (${code})`);
    }
    // Node's own words (a socket or parser error), never the server's bytes; cut short all the same.
    const detail = error instanceof Error ? error.message : String(error);
    return new AirflowUnreachableError(`Airflow at ${where} cannot be reached (${code || this.scrub(detail)})`);
  }

  private observe(endpoint: AirflowEndpoint, outcome: AirflowCallOutcome, started: number): void {
    this.metrics.recordAirflowCall(endpoint, outcome, (performance.now() - started) / 1000);
  }

  private markUp(): void {
    if (this.linkState !== 'up') {
      if (this.linkState !== null) this.logger.log('Airflow is reachable again');
      this.linkState = 'up';
    }
  }

  private markDown(reason: string): void {
    if (this.linkState !== 'down') {
      this.logger.warn(`Airflow became unavailable: ${reason}`);
      this.linkState = 'down';
    }
  }

  private markAuthRefused(): void {
    if (this.linkState !== 'auth_refused') {
      this.logger.error(`Airflow refused the credentials of user "${this.config.username}"; check AIRFLOW_USERNAME and AIRFLOW_PASSWORD`);
      this.linkState = 'auth_refused';
    }
  }
}

function outcomeOf(status: number): AirflowCallOutcome {
  if (status < 300) return 'ok';
  if (status === 401 || status === 403) return 'auth_refused';
  if (status === 404) return 'not_found';
  if (status === 429) return 'overloaded';
  if (status >= 502 && status <= 504) return 'unreachable';
  return 'bad_response';
}
