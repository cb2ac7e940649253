import { HttpService } from '@nestjs/axios';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AxiosError, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { AirflowConfig } from '../config/airflow.config.js';
import type { AllConfig } from '../config/config.type.js';
import { MetricsService } from '../metrics/metrics.service.js';
import {
  AirflowAuthError,
  AirflowBadResponseError,
  AirflowError,
  AirflowTimeoutError,
  AirflowUnreachableError,
  DagNotFoundError,
} from './airflow.errors.js';
import { errorDetail, jwtTimes, parseDag, parseRunCollection, parseToken } from './airflow.responses.js';
import type { AirflowApiVersion, AirflowAuthScheme, AirflowConnectionInfo, DagInfo, DagRun } from './airflow.types.js';

/** Renew a token this long before it expires, so no request races its expiry... */
const TOKEN_RENEW_MARGIN_MS = 30_000;
/** ...or a tenth of its lifetime when that is shorter, so short-lived tokens are still reused. */
const TOKEN_RENEW_MARGIN_FRACTION = 0.1;
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

type AirflowCallOutcome = 'ok' | 'not_found' | 'auth_refused' | 'timeout' | 'unreachable' | 'bad_response';

interface Token {
  value: string;
  /** Epoch ms after which we fetch a new one; Infinity when the token has no readable expiry. */
  renewAt: number;
}

interface Call {
  method: 'GET' | 'POST';
  /** Path below the API root, e.g. `/dags/x/dagRuns`, or an absolute path when `absolute`. */
  path: string;
  /** A stable label for logs and metrics: no ids in it. */
  endpoint: string;
  params?: Record<string, string | number>;
  data?: unknown;
  auth: boolean;
  absolute?: boolean;
}

/**
 * The one boundary to Airflow's REST API. It works out the API version (v2 on
 * Airflow 3, v1 on Airflow 2) and the auth scheme (JWT from /auth/token, or HTTP
 * basic) when they are `auto`, remembers them, keeps a JWT fresh, and turns every
 * failure into an {@link AirflowError}. Nothing else in the service talks to Airflow.
 */
@Injectable()
export class AirflowClient {
  private readonly logger = new Logger(AirflowClient.name);
  private readonly config: AirflowConfig;
  private apiVersion: AirflowApiVersion | null;
  private authScheme: AirflowAuthScheme | null;
  private token: Token | null = null;
  private tokenRequest: Promise<Token> | null = null;
  private versionRequest: Promise<AirflowApiVersion> | null = null;
  private schemeRequest: Promise<AirflowAuthScheme> | null = null;
  /** Last known health of the link, so that only changes are logged. */
  private linkState: 'up' | 'down' | 'auth_refused' | null = null;

  constructor(
    private readonly http: HttpService,
    private readonly metrics: MetricsService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('airflow', { infer: true });
    this.apiVersion = this.config.apiVersion === 'auto' ? null : this.config.apiVersion;
    this.authScheme = this.initialAuthScheme();
  }

  /** What has been worked out so far about the server. */
  connectionInfo(): AirflowConnectionInfo {
    return { baseUrl: this.config.baseUrl, apiVersion: this.apiVersion, authScheme: this.authScheme };
  }

  /**
   * The newest run of a DAG, or null when it has none.
   * Newest means the latest `run_after` on Airflow 3: a manual run may have no
   * logical date, so ordering by it would hide the newest run.
   * @throws AirflowError (DagNotFoundError when Airflow does not know the DAG)
   */
  async getLatestRun(dagId: string): Promise<DagRun | null> {
    const runs = await this.listRuns(dagId, 1);
    return runs[0] ?? null;
  }

  /**
   * The newest `limit` runs of a DAG, newest first.
   * @throws AirflowError (DagNotFoundError when Airflow does not know the DAG)
   */
  async listRuns(dagId: string, limit: number): Promise<DagRun[]> {
    const version = await this.resolveApiVersion();
    // v1 (Airflow 2) always has a logical (execution) date and rejects logical_date as a sort key.
    const orderBy = version === 'v2' ? '-run_after' : '-execution_date';
    const body = await this.call({
      method: 'GET',
      path: `/dags/${encodeURIComponent(dagId)}/dagRuns`,
      endpoint: 'list_dag_runs',
      params: { order_by: orderBy, limit },
      auth: true,
    }, dagId);
    return parseRunCollection(version, body);
  }

  /**
   * A DAG's details; proves at once that Airflow is reachable, accepts our
   * credentials and knows the DAG.
   * @throws AirflowError
   */
  async getDag(dagId: string): Promise<DagInfo> {
    const body = await this.call(
      { method: 'GET', path: `/dags/${encodeURIComponent(dagId)}`, endpoint: 'get_dag', auth: true },
      dagId,
    );
    return parseDag(body);
  }

  /** The Airflow UI address of a run (or of the DAG when runId is null), for people. */
  uiUrl(dagId: string, runId: string | null): string {
    const base = this.config.baseUrl;
    const dag = encodeURIComponent(dagId);
    if (this.apiVersion === 'v1') {
      return runId === null ? `${base}/dags/${dag}/grid` : `${base}/dags/${dag}/grid?dag_run_id=${encodeURIComponent(runId)}`;
    }
    return runId === null ? `${base}/dags/${dag}` : `${base}/dags/${dag}/runs/${encodeURIComponent(runId)}`;
  }

  private initialAuthScheme(): AirflowAuthScheme | null {
    switch (this.config.auth) {
      case 'auto':
        // Airflow 2's API knows only basic; on Airflow 3 we try a token first.
        return this.config.apiVersion === 'v1' ? 'basic' : null;
      default:
        return this.config.auth;
    }
  }

  /** Makes an authenticated API call, renewing a refused token once. */
  private async call(call: Call, dagId?: string): Promise<unknown> {
    const version = await this.resolveApiVersion();
    const scheme = await this.resolveAuthScheme(version);
    let response = await this.send(call, version, scheme);
    if (scheme === 'jwt' && this.isTokenRejection(response)) {
      // Expired, or the server's signing secret changed: one fresh token, one more try.
      this.token = null;
      response = await this.send(call, version, scheme);
    }
    return this.interpret(call, response, dagId);
  }

  private interpret(call: Call, response: AxiosResponse, dagId?: string): unknown {
    const { status } = response;
    if (status >= 200 && status < 300) {
      if (!this.isJson(response)) {
        const error = new AirflowBadResponseError(`Airflow answered ${call.endpoint} with a body that is not JSON`);
        this.markDown(error.message);
        throw error;
      }
      this.markUp();
      return response.data;
    }
    if (status === 401 || status === 403) {
      this.markAuthRefused();
      throw new AirflowAuthError(
        status === 401
          ? `Airflow refused the credentials of user "${this.config.username}" (HTTP 401)`
          : `Airflow denied user "${this.config.username}" access (HTTP 403)`,
      );
    }
    if (status === 404 && dagId !== undefined) {
      this.markUp();
      throw new DagNotFoundError(dagId);
    }
    if (status === 502 || status === 503 || status === 504) {
      const error = new AirflowUnreachableError(`Airflow is unavailable (HTTP ${status} from ${this.config.baseUrl})`);
      this.markDown(error.message);
      throw error;
    }
    const detail = errorDetail(response.data);
    const error = new AirflowBadResponseError(
      // Airflow's detail can echo request input; 200 characters is enough to diagnose.
      `Airflow answered ${call.endpoint} with HTTP ${status}${detail ? `: ${detail.slice(0, 200)}` : ''}`,
    );
    this.markDown(error.message);
    throw error;
  }

  private isTokenRejection(response: AxiosResponse): boolean {
    if (response.status === 401) return true;
    // A token signed with a secret the server no longer has: Airflow answers 403 "Invalid JWT token".
    return response.status === 403 && /invalid jwt/i.test(errorDetail(response.data) ?? '');
  }

  private isJson(response: AxiosResponse): boolean {
    const type = String(response.headers['content-type'] ?? '');
    return type.includes('json') && typeof response.data === 'object' && response.data !== null;
  }

  /** One HTTP exchange, with auth headers, one retry on a dropped keep-alive socket, and errors mapped. */
  private async send(call: Call, version: AirflowApiVersion, scheme: AirflowAuthScheme): Promise<AxiosResponse> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (call.auth) Object.assign(headers, await this.authHeaders(scheme));
    const url = call.absolute ? `${this.config.baseUrl}${call.path}` : `${this.config.baseUrl}/api/${version}${call.path}`;
    return this.exchange(call, { method: call.method, url, params: call.params, data: call.data, headers });
  }

  private async exchange(call: Call, request: AxiosRequestConfig): Promise<AxiosResponse> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        const response = await this.http.axiosRef.request({
          ...request,
          // A hard deadline for the whole exchange; axios' own timeout only covers an idle socket.
          signal: AbortSignal.timeout(this.config.timeoutMs),
        });
        this.observe(call.endpoint, this.outcomeOf(response.status), started);
        return response;
      } catch (error) {
        const code = error instanceof AxiosError ? (error.code ?? '') : '';
        const mapped = this.mapTransportError(error, code);
        this.observe(call.endpoint, mapped instanceof AirflowTimeoutError ? 'timeout' : 'unreachable', started);
        if (attempt === 1 && RETRYABLE_CODES.has(code)) continue;
        this.markDown(mapped.message);
        throw mapped;
      }
    }
  }

  private mapTransportError(error: unknown, code: string): AirflowError {
    const where = this.config.baseUrl;
    if (TIMEOUT_CODES.has(code) || (error instanceof Error && error.name === 'TimeoutError')) {
      return new AirflowTimeoutError(`Airflow at ${where} did not answer within ${this.config.timeoutMs} ms`);
    }
    if (UNREACHABLE_CODES.has(code)) {
      return new AirflowUnreachableError(`Airflow at ${where} cannot be reached (${code})`);
    }
    const detail = error instanceof Error ? error.message : String(error);
    return new AirflowUnreachableError(`Airflow at ${where} cannot be reached (${code || detail})`);
  }

  private outcomeOf(status: number): AirflowCallOutcome {
    if (status < 300) return 'ok';
    if (status === 401 || status === 403) return 'auth_refused';
    if (status === 404) return 'not_found';
    if (status >= 502 && status <= 504) return 'unreachable';
    return 'bad_response';
  }

  private observe(endpoint: string, outcome: AirflowCallOutcome, started: number): void {
    this.metrics.recordAirflowCall(endpoint, outcome, (performance.now() - started) / 1000);
  }

  private async authHeaders(scheme: AirflowAuthScheme): Promise<Record<string, string>> {
    switch (scheme) {
      case 'none':
        return {};
      case 'basic': {
        const pair = Buffer.from(`${this.config.username}:${this.config.password}`).toString('base64');
        return { Authorization: `Basic ${pair}` };
      }
      case 'jwt':
        return { Authorization: `Bearer ${(await this.getToken()).value}` };
    }
  }

  /** A valid token, fetched once for all concurrent callers and renewed before it expires. */
  private async getToken(): Promise<Token> {
    if (this.token && Date.now() < this.token.renewAt) return this.token;
    this.tokenRequest ??= this.fetchToken().finally(() => {
      this.tokenRequest = null;
    });
    this.token = await this.tokenRequest;
    return this.token;
  }

  private async fetchToken(): Promise<Token> {
    const response = await this.requestToken();
    if (response.status === 401 || response.status === 403) {
      this.markAuthRefused();
      throw new AirflowAuthError(`Airflow refused the credentials of user "${this.config.username}" (HTTP ${response.status})`);
    }
    if (response.status !== 200 && response.status !== 201) {
      this.interpret({ method: 'POST', path: '/auth/token', endpoint: 'auth_token', auth: false }, response);
    }
    return this.acceptToken(response.data);
  }

  private acceptToken(body: unknown): Token {
    const value = parseToken(body);
    this.metrics.recordTokenRenewal();
    const { exp, iat } = jwtTimes(value);
    if (exp === null) return { value, renewAt: Number.POSITIVE_INFINITY };
    const lifetimeMs = iat === null ? Number.POSITIVE_INFINITY : (exp - iat) * 1000;
    return { value, renewAt: exp * 1000 - Math.min(TOKEN_RENEW_MARGIN_MS, lifetimeMs * TOKEN_RENEW_MARGIN_FRACTION) };
  }

  private requestToken(): Promise<AxiosResponse> {
    return this.exchange(
      { method: 'POST', path: '/auth/token', endpoint: 'auth_token', auth: false, absolute: true },
      {
        method: 'POST',
        url: `${this.config.baseUrl}/auth/token`,
        data: { username: this.config.username, password: this.config.password },
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      },
    );
  }

  /**
   * With AIRFLOW_AUTH=auto on Airflow 3: a token when POST /auth/token exists,
   * HTTP basic when the server has no such endpoint. Remembered once known.
   */
  private async resolveAuthScheme(version: AirflowApiVersion): Promise<AirflowAuthScheme> {
    if (this.authScheme) return this.authScheme;
    if (version === 'v1') return (this.authScheme = 'basic');
    this.schemeRequest ??= this.detectAuthScheme().finally(() => {
      this.schemeRequest = null;
    });
    return this.schemeRequest;
  }

  private async detectAuthScheme(): Promise<AirflowAuthScheme> {
    const response = await this.requestToken();
    if (response.status === 404 || response.status === 405) {
      this.logger.log('Airflow has no /auth/token endpoint; using HTTP basic authentication');
      return (this.authScheme = 'basic');
    }
    // Any other answer means the endpoint exists: a refusal is reported by getToken as usual.
    this.authScheme = 'jwt';
    this.logger.log('Authenticating to Airflow with a JWT from /auth/token');
    if (response.status === 200 || response.status === 201) this.token = this.acceptToken(response.data);
    return this.authScheme;
  }

  /** With AIRFLOW_API_VERSION=auto: v2 when /api/v2/monitor/health answers, else v1. Remembered once known. */
  private async resolveApiVersion(): Promise<AirflowApiVersion> {
    if (this.apiVersion) return this.apiVersion;
    this.versionRequest ??= this.detectApiVersion().finally(() => {
      this.versionRequest = null;
    });
    return this.versionRequest;
  }

  private async detectApiVersion(): Promise<AirflowApiVersion> {
    const probes: Array<[AirflowApiVersion, string]> = [
      ['v2', '/api/v2/monitor/health'],
      ['v1', '/api/v1/health'],
    ];
    for (const [version, path] of probes) {
      const response = await this.exchange(
        { method: 'GET', path, endpoint: 'health', auth: false, absolute: true },
        { method: 'GET', url: `${this.config.baseUrl}${path}`, headers: { Accept: 'application/json' } },
      );
      if (response.status === 200 && this.isJson(response)) {
        this.apiVersion = version;
        this.logger.log(`Airflow at ${this.config.baseUrl} speaks REST API ${version}`);
        return version;
      }
    }
    const error = new AirflowBadResponseError(
      `No Airflow REST API answers at ${this.config.baseUrl} (neither /api/v2/monitor/health nor /api/v1/health)`,
    );
    this.markDown(error.message);
    throw error;
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
