import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { AxiosResponse } from 'axios';
import type { AirflowConfig } from '../config/airflow.config.js';
import { configOf } from '../config/config.fixtures.js';
import { AIRFLOW_CONFIG } from './airflow.fixtures.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { AirflowAuthError, AirflowBadResponseError, AirflowConfigMismatchError, type AirflowError } from './airflow.errors.js';
import { AirflowSession } from './airflow.session.js';
import type { AirflowExchange, AirflowTransport } from './airflow.transport.js';

const NOW_S = 1_800_000_000;

function answer(status: number, data: unknown = {}): AxiosResponse {
  return { status, data, headers: { 'content-type': 'application/json' } } as unknown as AxiosResponse;
}

function jwt(claims: { exp?: number; iat?: number }): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS512' })}.${part(claims)}.signature`;
}

/** A session over a scripted transport: `route` answers each exchange. */
function sessionWith(route: (exchange: AirflowExchange) => AxiosResponse | Promise<AxiosResponse>, settings: Partial<AirflowConfig> = {}) {
  const config: AirflowConfig = { ...AIRFLOW_CONFIG, ...settings };
  const exchange = jest.fn(async (request: AirflowExchange) => route(request));
  const noteFailure = jest.fn(<E extends AirflowError>(error: E) => error);
  const transport = {
    exchange,
    noteFailure,
    isJson: (response: AxiosResponse) => typeof response.data === 'object' && response.data !== null,
    json: () => {
      throw new AirflowBadResponseError('judged by the transport');
    },
  } as unknown as AirflowTransport;
  const recordTokenRenewal = jest.fn();
  const metrics = { recordTokenRenewal } as unknown as MetricsService;
  const session = new AirflowSession(transport, metrics, configOf({ airflow: config }));
  const calls = (path: string) => exchange.mock.calls.filter(([request]) => request.path === path).length;
  return { session, exchange, noteFailure, recordTokenRenewal, calls };
}

/** An Airflow 3 that hands out `token` at /auth/token and answers 200 to every API call. */
function airflow3(token: () => string) {
  return (request: AirflowExchange): AxiosResponse => {
    if (request.path === '/api/v2/monitor/health') return answer(200, { metadatabase: { status: 'healthy' } });
    if (request.path === '/auth/token') return answer(201, { access_token: token() });
    return answer(200, { ok: true });
  };
}

describe('AirflowSession', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('API version', () => {
    it('speaks v2 when /api/v2/monitor/health answers, and remembers it', async () => {
      const { session, calls } = sessionWith(airflow3(() => jwt({})));
      expect(session.connectionInfo().apiVersion).toBeNull();
      await expect(session.apiVersion()).resolves.toBe('v2');
      await expect(session.apiVersion()).resolves.toBe('v2');
      expect(calls('/api/v2/monitor/health')).toBe(1);
      expect(session.connectionInfo()).toEqual({ baseUrl: 'http://airflow:8080', apiVersion: 'v2', authScheme: null });
    });

    it('falls back to v1 when only /api/v1/health answers, and then signs in with HTTP basic', async () => {
      const { session, calls } = sessionWith((request) =>
        request.path === '/api/v1/health' ? answer(200, {}) : answer(404, { detail: 'Not Found' }),
      );
      await expect(session.apiVersion()).resolves.toBe('v1');
      await expect(session.authHeaders()).resolves.toEqual({ Authorization: `Basic ${Buffer.from('airflow:pw').toString('base64')}` });
      expect(calls('/auth/token')).toBe(0);
      expect(session.connectionInfo()).toMatchObject({ apiVersion: 'v1', authScheme: 'basic' });
    });

    it('detects once for concurrent callers', async () => {
      const { session, calls } = sessionWith(airflow3(() => jwt({})));
      await Promise.all([session.apiVersion(), session.apiVersion(), session.apiVersion()]);
      expect(calls('/api/v2/monitor/health')).toBe(1);
    });

    it('says so when no REST API answers, and tries again next time', async () => {
      const { session, noteFailure, calls } = sessionWith(() => answer(404, '<html>'));
      await expect(session.apiVersion()).rejects.toThrow(
        new AirflowBadResponseError(
          'No Airflow REST API answers at http://airflow:8080 (neither /api/v2/monitor/health nor /api/v1/health)',
        ),
      );
      expect(noteFailure).toHaveBeenCalledTimes(1);
      await expect(session.apiVersion()).rejects.toThrow(AirflowBadResponseError);
      expect(calls('/api/v2/monitor/health')).toBe(2);
    });

    it('asks nothing when AIRFLOW_API_VERSION is set', async () => {
      const { session, exchange } = sessionWith(() => answer(500), { apiVersion: 'v1' });
      await expect(session.apiVersion()).resolves.toBe('v1');
      expect(exchange).not.toHaveBeenCalled();
    });
  });

  describe('auth scheme', () => {
    it.each([404, 405])('uses HTTP basic when /auth/token answers %i, and remembers it', async (status) => {
      const { session, calls } = sessionWith((request) => (request.path === '/auth/token' ? answer(status) : airflow3(() => '')(request)));
      const basic = { Authorization: `Basic ${Buffer.from('airflow:pw').toString('base64')}` };
      await expect(session.authHeaders()).resolves.toEqual(basic);
      await expect(session.authHeaders()).resolves.toEqual(basic);
      expect(calls('/auth/token')).toBe(1);
      expect(session.connectionInfo().authScheme).toBe('basic');
    });

    it('uses the JWT that detection obtained, asking for it with the credentials as JSON', async () => {
      const token = jwt({});
      const { session, exchange, calls, recordTokenRenewal } = sessionWith(airflow3(() => token));
      await expect(session.authHeaders()).resolves.toEqual({ Authorization: `Bearer ${token}` });
      await expect(session.authHeaders()).resolves.toEqual({ Authorization: `Bearer ${token}` });
      expect(calls('/auth/token')).toBe(1);
      expect(recordTokenRenewal).toHaveBeenCalledTimes(1);
      expect(session.connectionInfo().authScheme).toBe('jwt');
      expect(exchange).toHaveBeenCalledWith(
        expect.objectContaining({
          method: 'POST',
          path: '/auth/token',
          endpoint: 'auth_token',
          data: { username: 'airflow', password: 'pw' },
          headers: { 'Content-Type': 'application/json' },
        }),
      );
    });

    it('sends no credentials with AIRFLOW_AUTH=none', async () => {
      const { session } = sessionWith(
        airflow3(() => ''),
        { auth: 'none', apiVersion: 'v2' },
      );
      await expect(session.authHeaders()).resolves.toEqual({});
    });
  });

  describe('token', () => {
    function clockAt(seconds: number): void {
      jest.spyOn(Date, 'now').mockReturnValue(seconds * 1000);
    }

    it.each([
      ['an hour-long token 30 s before it expires', 3600, 31, 29],
      ['a one-minute token a tenth of its life before it expires', 60, 7, 5],
    ])('renews %s', async (_, lifetime, reusedAt, renewedAt) => {
      let issued = 0;
      const { session, calls } = sessionWith(
        airflow3(() => jwt({ iat: NOW_S, exp: NOW_S + lifetime, n: ++issued } as object)),
        { auth: 'jwt', apiVersion: 'v2' },
      );
      clockAt(NOW_S);
      const first = await session.authHeaders();
      clockAt(NOW_S + lifetime - reusedAt);
      await expect(session.authHeaders()).resolves.toEqual(first);
      expect(calls('/auth/token')).toBe(1);
      clockAt(NOW_S + lifetime - renewedAt);
      await expect(session.authHeaders()).resolves.not.toEqual(first);
      expect(calls('/auth/token')).toBe(2);
    });

    it('keeps a token without a readable expiry until Airflow refuses it', async () => {
      const { session, calls } = sessionWith(
        airflow3(() => 'opaque-token'),
        { auth: 'jwt', apiVersion: 'v2' },
      );
      await session.authHeaders();
      clockAt(NOW_S + 10 * 365 * 86_400);
      await session.authHeaders();
      expect(calls('/auth/token')).toBe(1);
    });

    it('asks for one token for all concurrent callers', async () => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const { session, calls } = sessionWith(
        async (request) => {
          await held;
          return airflow3(() => jwt({}))(request);
        },
        { auth: 'jwt', apiVersion: 'v2' },
      );
      const callers = Promise.all(Array.from({ length: 5 }, () => session.authHeaders()));
      // Every caller is waiting on the token before the first request is answered.
      await new Promise((resolve) => setImmediate(resolve));
      release();
      const headers = await callers;
      expect(new Set(headers.map((h) => h.Authorization)).size).toBe(1);
      expect(calls('/auth/token')).toBe(1);
    });

    it('reports refused credentials at /auth/token as an auth error', async () => {
      const { session, noteFailure } = sessionWith((request) => (request.path === '/auth/token' ? answer(401) : answer(200)), {
        auth: 'jwt',
        apiVersion: 'v2',
      });
      const refusal = new AirflowAuthError('Airflow refused the credentials of user "airflow" (HTTP 401)');
      await expect(session.authHeaders()).rejects.toThrow(refusal);
      expect(noteFailure).toHaveBeenCalledWith(refusal);
    });

    it('lets the transport judge any other failed token answer', async () => {
      const { session } = sessionWith((request) => (request.path === '/auth/token' ? answer(500) : answer(200)), {
        auth: 'jwt',
        apiVersion: 'v2',
      });
      await expect(session.authHeaders()).rejects.toThrow('judged by the transport');
    });
  });

  describe('send', () => {
    const CALL = { method: 'GET', path: '/dags/d', endpoint: 'get_dag' } as const;

    it('sends below the API root of the detected version, signed', async () => {
      const token = jwt({});
      const { session, exchange } = sessionWith(airflow3(() => token));
      await expect(session.send(CALL)).resolves.toMatchObject({ status: 200 });
      expect(exchange).toHaveBeenLastCalledWith({ ...CALL, path: '/api/v2/dags/d', headers: { Authorization: `Bearer ${token}` } });
    });

    it.each([
      ['a 401', answer(401, { detail: 'Not authenticated' })],
      ['a 403 "Invalid JWT token"', answer(403, { detail: 'Invalid JWT token' })],
    ])('renews a token refused with %s once and sends again', async (_, refusal) => {
      let issued = 0;
      let refusals = 1;
      const { session, calls } = sessionWith(
        (request) => {
          if (request.path === '/auth/token') return answer(201, { access_token: `token-${++issued}` });
          return refusals-- > 0 ? refusal : answer(200, { ok: true });
        },
        { auth: 'jwt', apiVersion: 'v2' },
      );
      await expect(session.send(CALL)).resolves.toMatchObject({ status: 200 });
      expect(calls('/api/v2/dags/d')).toBe(2);
      expect(calls('/auth/token')).toBe(2);
      await expect(session.authHeaders()).resolves.toEqual({ Authorization: 'Bearer token-2' });
    });

    it('renews only once: a second refusal is the answer', async () => {
      const { session, calls } = sessionWith(
        (request) => (request.path === '/auth/token' ? answer(201, { access_token: 'token' }) : answer(401)),
        { auth: 'jwt', apiVersion: 'v2' },
      );
      await expect(session.send(CALL)).resolves.toMatchObject({ status: 401 });
      expect(calls('/api/v2/dags/d')).toBe(2);
      expect(calls('/auth/token')).toBe(2);
    });

    it('does not renew for a 403 that is about permissions, nor with HTTP basic', async () => {
      const forbidden = sessionWith(
        (request) => (request.path === '/auth/token' ? answer(201, { access_token: 'token' }) : answer(403, { detail: 'Forbidden' })),
        { auth: 'jwt', apiVersion: 'v2' },
      );
      await expect(forbidden.session.send(CALL)).resolves.toMatchObject({ status: 403 });
      expect(forbidden.calls('/api/v2/dags/d')).toBe(1);

      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const basic = sessionWith(() => answer(401), { auth: 'basic', apiVersion: 'v1' });
      // A 401 to HTTP basic is the answer, thrown with its hint (see 'settings that do not fit the server').
      await expect(basic.session.send(CALL)).rejects.toThrow(AirflowAuthError);
      expect(basic.calls('/api/v1/dags/d')).toBe(1);
    });

    it('logs a token renewal that a refusal forced', async () => {
      const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      let refusals = 1;
      const { session } = sessionWith(
        (request) => {
          if (request.path === '/auth/token') return answer(201, { access_token: 'token' });
          return refusals-- > 0 ? answer(401, { detail: 'Not authenticated' }) : answer(200, { ok: true });
        },
        { auth: 'jwt', apiVersion: 'v2' },
      );
      await session.send(CALL);
      expect(log).toHaveBeenCalledWith('Airflow refused our token (HTTP 401); fetching a new one');
    });
  });

  describe('settings that do not fit the server', () => {
    const CALL = { method: 'GET', path: '/dags/d', endpoint: 'get_dag' } as const;
    const airflow2 = (request: AirflowExchange): AxiosResponse =>
      request.path === '/api/v1/health' ? answer(200, {}) : request.path.startsWith('/api/v1/') ? answer(200, { ok: true }) : answer(404);

    it('AIRFLOW_AUTH=jwt on Airflow 2 is a configuration problem, said once, and not an outage', async () => {
      const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const { session, noteFailure, calls } = sessionWith(airflow2, { auth: 'jwt' });
      const problem = new AirflowConfigMismatchError('AIRFLOW_AUTH=jwt but this Airflow 2 has no /auth/token; use auto or basic');
      await expect(session.send(CALL)).rejects.toThrow(problem);
      await expect(session.send(CALL)).rejects.toThrow(problem);
      expect(error).toHaveBeenCalledTimes(1);
      expect(error).toHaveBeenCalledWith(`Configuration problem: ${problem.message}`);
      expect(noteFailure).not.toHaveBeenCalled();
      expect(calls('/auth/token')).toBe(0);
    });

    it('AIRFLOW_AUTH=jwt against a server without /auth/token is one too', async () => {
      jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const { session, noteFailure } = sessionWith((request) => (request.path === '/auth/token' ? answer(404) : answer(200)), {
        auth: 'jwt',
        apiVersion: 'v2',
      });
      await expect(session.authHeaders()).rejects.toThrow(
        new AirflowConfigMismatchError('AIRFLOW_AUTH=jwt but Airflow at http://airflow:8080 has no /auth/token; use auto or basic'),
      );
      expect(noteFailure).not.toHaveBeenCalled();
    });

    it.each([
      [
        'Airflow 2',
        { apiVersion: 'auto' as const, auth: 'auto' as const },
        '/api/v1/health',
        "if the password is right, Airflow 2's [api] auth_backends lacks airflow.api.auth.backend.basic_auth (its default is session only)",
      ],
      [
        'Airflow 3 with AIRFLOW_AUTH=basic',
        { apiVersion: 'auto' as const, auth: 'basic' as const },
        '/api/v2/monitor/health',
        "Airflow 3's API accepts only JWTs: set AIRFLOW_AUTH=auto (or jwt)",
      ],
    ])('a 401 to HTTP basic on %s says what usually causes it, in the error and once in the log', async (_, settings, healthPath, hint) => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const { session, noteFailure } = sessionWith(
        (request) => (request.path === healthPath ? answer(200, {}) : request.path.startsWith('/api/') ? answer(401) : answer(404)),
        settings,
      );
      const refusal = new AirflowAuthError(`Airflow refused the credentials of user "airflow" (HTTP 401); ${hint}`);
      await expect(session.send(CALL)).rejects.toThrow(refusal);
      await expect(session.send(CALL)).rejects.toThrow(refusal);
      expect(noteFailure).toHaveBeenCalledWith(refusal);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(`Hint: ${hint}`);
    });

    it('a 403 to HTTP basic (Airflow 2.11, for a wrong password as for a user without permission) names the refused credentials', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const forbidden = answer(403, { detail: null, status: 403, title: 'Forbidden' });
      const { session, noteFailure } = sessionWith((request) => (request.path === '/api/v1/health' ? answer(200, {}) : forbidden));
      const hint = 'if the password is right, the user lacks permission to read DAGs (Airflow 2.11 answers both with 403)';
      const refusal = new AirflowAuthError(`Airflow refused the credentials of user "airflow" (HTTP 403); ${hint}`);
      await expect(session.send(CALL)).rejects.toThrow(refusal);
      expect(noteFailure).toHaveBeenCalledWith(refusal);
      expect(warn).toHaveBeenCalledWith(`Hint: ${hint}`);
    });

    it('says which auth it chose on Airflow 2, as on Airflow 3', async () => {
      const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      const { session } = sessionWith(airflow2, { apiVersion: 'v1' });
      await session.send(CALL);
      expect(log).toHaveBeenCalledWith("Airflow 2's REST API (v1): using HTTP basic authentication");
      expect(session.connectionInfo().authScheme).toBe('basic');
    });
  });
});
