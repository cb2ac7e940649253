import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AxiosResponse } from 'axios';
import type { AirflowConfig } from '../config/airflow.config.js';
import type { AllConfig } from '../config/config.type.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AirflowAuthError, AirflowBadResponseError, AirflowConfigMismatchError } from './airflow.errors.js';
import { errorDetail, jwtTimes, parseToken } from './airflow.responses.js';
import { AirflowTransport, type AirflowExchange } from './airflow.transport.js';
import type { AirflowApiVersion, AirflowAuthScheme, AirflowConnectionInfo } from './airflow.types.js';
import { SingleFlight } from '../common/single-flight.js';

/** Renew a token this long before it expires, so no request races its expiry... */
const TOKEN_RENEW_MARGIN_MS = 30_000;
/** ...or a tenth of its lifetime when that is shorter, so short-lived tokens are still reused. */
const TOKEN_RENEW_MARGIN_FRACTION = 0.1;

interface Token {
  value: string;
  /** Epoch ms after which we fetch a new one; Infinity when the token has no readable expiry. */
  renewAt: number;
}

/** A call below the API root (`/api/v2` or `/api/v1`), e.g. path `/dags/x/dagRuns`. */
export type AirflowApiCall = Omit<AirflowExchange, 'headers'>;

/**
 * What we know of the Airflow server and how we sign in to it: the API version
 * (v2 on Airflow 3, v1 on Airflow 2) and the auth scheme (JWT from /auth/token,
 * or HTTP basic), worked out once when they are `auto` and remembered, and the
 * JWT, kept fresh. Concurrent callers share one detection and one token request.
 */
@Injectable()
export class AirflowSession {
  private readonly logger = new Logger(AirflowSession.name);
  private readonly config: AirflowConfig;
  private apiVersionKnown: AirflowApiVersion | null;
  private authScheme: AirflowAuthScheme | null;
  private token: Token | null = null;
  private readonly versionDetection = new SingleFlight<AirflowApiVersion>();
  private readonly schemeDetection = new SingleFlight<AirflowAuthScheme>();
  private readonly tokenRequest = new SingleFlight<Token>();
  /** Hints and misconfigurations already logged: each is said once, not on every poll. */
  private readonly said = new Set<string>();

  constructor(
    private readonly transport: AirflowTransport,
    private readonly metrics: MetricsService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('airflow', { infer: true });
    this.apiVersionKnown = this.config.apiVersion === 'auto' ? null : this.config.apiVersion;
    this.authScheme = this.initialAuthScheme();
  }

  /** What has been worked out so far about the server; never asks it. */
  connectionInfo(): AirflowConnectionInfo {
    return { baseUrl: this.config.baseUrl, apiVersion: this.apiVersionKnown, authScheme: this.authScheme };
  }

  /**
   * The REST API generation the server speaks. With AIRFLOW_API_VERSION=auto:
   * v2 when /api/v2/monitor/health answers, else v1 when /api/v1/health does.
   * Remembered once known.
   * @throws AirflowError (AirflowBadResponseError when neither answers)
   */
  async apiVersion(): Promise<AirflowApiVersion> {
    if (this.apiVersionKnown) return this.apiVersionKnown;
    return this.versionDetection.run(() => this.detectApiVersion());
  }

  /**
   * The headers that authenticate a request: none, HTTP basic, or a bearer JWT
   * (fetched, or renewed 30 s or a tenth of its life before it expires).
   * @throws AirflowError (AirflowAuthError when Airflow refuses the credentials)
   */
  async authHeaders(): Promise<Record<string, string>> {
    const version = await this.apiVersion();
    const scheme = await this.resolveAuthScheme(version);
    if (scheme === 'jwt' && version === 'v1') throw this.misconfigured(NO_TOKEN_ON_AIRFLOW_2);
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

  /**
   * One authenticated call below the API root, whatever status it answers (the
   * transport judges it), except a 401 or 403 to HTTP basic, which is thrown with a
   * hint at its likely cause. A refused JWT (401, or 403 "Invalid JWT") is renewed
   * once and the call sent again.
   * @throws AirflowError when no answer came or the credentials cannot be used
   */
  async send(call: AirflowApiCall): Promise<AxiosResponse> {
    const version = await this.apiVersion();
    const exchange = async (): Promise<AxiosResponse> =>
      this.transport.exchange({ ...call, path: `/api/${version}${call.path}`, headers: await this.authHeaders() });
    const response = await exchange();
    if ((response.status === 401 || response.status === 403) && this.authScheme === 'basic')
      throw this.basicRefused(version, response.status);
    if (this.authScheme !== 'jwt' || !isTokenRejection(response)) return response;
    // Expired, or the server's signing secret changed: one fresh token, one more try.
    this.logger.log(`Airflow refused our token (HTTP ${response.status}); fetching a new one`);
    this.token = null;
    return exchange();
  }

  private initialAuthScheme(): AirflowAuthScheme | null {
    // With auto, resolveAuthScheme works it out (and says what it chose), even when the version is set.
    return this.config.auth === 'auto' ? null : this.config.auth;
  }

  /**
   * A 401 or 403 to HTTP basic, with what usually causes it when the password is right: Airflow 2 takes
   * basic only from its basic_auth API backend, and from 2.11 on answers a wrong password with the 403 of a
   * user without permission; Airflow 3's API takes only JWTs.
   */
  private basicRefused(version: AirflowApiVersion, status: 401 | 403): AirflowAuthError {
    const refused = `Airflow refused the credentials of user "${this.config.username}" (HTTP ${status})`;
    let hint: string | null = null;
    if (status === 403) {
      hint = `if the password is right, the user lacks permission to read DAGs (Airflow 2.11 answers both with 403)`;
    } else if (version === 'v1') {
      hint = `if the password is right, Airflow 2's [api] auth_backends lacks ${AIRFLOW_2_BASIC_BACKEND} (its default is session only)`;
    } else if (this.config.auth === 'basic') {
      hint = "Airflow 3's API accepts only JWTs: set AIRFLOW_AUTH=auto (or jwt)";
    }
    if (hint && !this.said.has(hint)) {
      this.said.add(hint);
      this.logger.warn(`Hint: ${hint}`);
    }
    return this.transport.noteFailure(new AirflowAuthError(hint ? `${refused}; ${hint}` : refused));
  }

  /** A setting that contradicts the server: not an outage (the link is not marked down), said once in the log. */
  private misconfigured(message: string): AirflowConfigMismatchError {
    if (!this.said.has(message)) {
      this.said.add(message);
      this.logger.error(`Configuration problem: ${message}`);
    }
    return new AirflowConfigMismatchError(message);
  }

  /** A valid token, fetched once for all concurrent callers and renewed before it expires. */
  private async getToken(): Promise<Token> {
    if (this.token && Date.now() < this.token.renewAt) return this.token;
    this.token = await this.tokenRequest.run(() => this.fetchToken());
    return this.token;
  }

  private async fetchToken(): Promise<Token> {
    const response = await this.requestToken();
    if (response.status === 401 || response.status === 403) {
      throw this.transport.noteFailure(
        new AirflowAuthError(`Airflow refused the credentials of user "${this.config.username}" (HTTP ${response.status})`),
      );
    }
    if (response.status === 404 || response.status === 405) {
      // Only an explicit AIRFLOW_AUTH=jwt gets here (auto would have chosen basic): the setting, not Airflow, is wrong.
      throw this.misconfigured(
        this.apiVersionKnown === 'v1'
          ? NO_TOKEN_ON_AIRFLOW_2
          : `AIRFLOW_AUTH=jwt but Airflow at ${this.config.baseUrl} has no /auth/token; use auto or basic`,
      );
    }
    if (response.status !== 200 && response.status !== 201) this.transport.json(response, 'auth_token');
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
    return this.transport.exchange({
      method: 'POST',
      path: '/auth/token',
      endpoint: 'auth_token',
      data: { username: this.config.username, password: this.config.password },
      headers: { 'Content-Type': 'application/json' },
    });
  }

  /**
   * With AIRFLOW_AUTH=auto on Airflow 3: a token when POST /auth/token exists,
   * HTTP basic when the server has no such endpoint. Remembered once known.
   */
  private async resolveAuthScheme(version: AirflowApiVersion): Promise<AirflowAuthScheme> {
    if (this.authScheme) return this.authScheme;
    if (version === 'v1') {
      this.logger.log("Airflow 2's REST API (v1): using HTTP basic authentication");
      return (this.authScheme = 'basic');
    }
    return this.schemeDetection.run(() => this.detectAuthScheme());
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

  private async detectApiVersion(): Promise<AirflowApiVersion> {
    const probes: Array<[AirflowApiVersion, string]> = [
      ['v2', '/api/v2/monitor/health'],
      ['v1', '/api/v1/health'],
    ];
    for (const [version, path] of probes) {
      const response = await this.transport.exchange({ method: 'GET', path, endpoint: 'health' });
      if (response.status === 200 && this.transport.isJson(response)) {
        this.apiVersionKnown = version;
        this.logger.log(`Airflow at ${this.config.baseUrl} speaks REST API ${version}`);
        return version;
      }
    }
    throw this.transport.noteFailure(
      new AirflowBadResponseError(
        `No Airflow REST API answers at ${this.config.baseUrl} (neither /api/v2/monitor/health nor /api/v1/health)`,
      ),
    );
  }
}

const NO_TOKEN_ON_AIRFLOW_2 = 'AIRFLOW_AUTH=jwt but this Airflow 2 has no /auth/token; use auto or basic';
const AIRFLOW_2_BASIC_BACKEND = 'airflow.api.auth.backend.basic_auth';

function isTokenRejection(response: AxiosResponse): boolean {
  if (response.status === 401) return true;
  // A token signed with a secret the server no longer has: Airflow answers 403 "Invalid JWT token".
  return response.status === 403 && /invalid jwt/i.test(errorDetail(response.data) ?? '');
}
