import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import { AxiosError, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { AirflowConfig } from '../config/airflow.config.js';
import { configOf } from '../config/config.fixtures.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import {
  AirflowAuthError,
  AirflowBadResponseError,
  AirflowOverloadedError,
  AirflowTimeoutError,
  AirflowUnreachableError,
  DagNotFoundError,
} from './airflow.errors.js';
import { AIRFLOW_CONFIG } from './airflow.fixtures.js';
import { AirflowTransport, type AirflowExchange } from './airflow.transport.js';

/** A short deadline, for the tests of it. */
const CONFIG: AirflowConfig = { ...AIRFLOW_CONFIG, timeoutMs: 50 };

const GET_DAG: AirflowExchange = { method: 'GET', path: '/api/v2/dags/d', endpoint: 'get_dag', headers: { Authorization: 'Basic x' } };

function answer(status: number, data: unknown = {}, contentType = 'application/json'): AxiosResponse {
  return { status, data, headers: { 'content-type': contentType } } as unknown as AxiosResponse;
}

describe('AirflowTransport', () => {
  let request: jest.Mock<(config: AxiosRequestConfig) => Promise<AxiosResponse>>;
  let recordAirflowCall: jest.Mock<(endpoint: string, outcome: string, seconds: number) => void>;
  let transport: AirflowTransport;
  let logs: { log: jest.Mock; warn: jest.Mock; error: jest.Mock };

  beforeEach(() => {
    request = jest.fn();
    recordAirflowCall = jest.fn();
    const http = { axiosRef: { request } } as unknown as HttpService;
    const metrics = { recordAirflowCall } as unknown as MetricsService;
    const config = configOf({ airflow: CONFIG });
    transport = new AirflowTransport(http, metrics, config);
    logs = {
      log: jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined) as jest.Mock,
      warn: jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined) as jest.Mock,
      error: jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined) as jest.Mock,
    };
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('exchange', () => {
    it('sends below AIRFLOW_WEBSERVER, asks for JSON, and bounds the exchange with a deadline', async () => {
      request.mockResolvedValue(answer(200));
      await transport.exchange({ ...GET_DAG, params: { limit: 1 } });
      const sent = request.mock.calls[0][0];
      expect(sent).toMatchObject({
        method: 'GET',
        url: 'http://airflow:8080/api/v2/dags/d',
        params: { limit: 1 },
        headers: { Accept: 'application/json', Authorization: 'Basic x' },
      });
      expect(sent.signal).toBeInstanceOf(AbortSignal);
    });

    it('returns an answer whatever its status, recording its outcome', async () => {
      request.mockResolvedValue(answer(500));
      await expect(transport.exchange(GET_DAG)).resolves.toMatchObject({ status: 500 });
      expect(recordAirflowCall).toHaveBeenCalledWith('get_dag', 'bad_response', expect.any(Number));
    });

    it('gives up at AIRFLOW_TIMEOUT_MS with a timeout, whatever the socket does', async () => {
      // A server that never answers: only the abort signal ends the wait.
      request.mockImplementation(
        (config) =>
          new Promise((_, reject) => {
            const signal = config.signal as AbortSignal;
            signal.addEventListener('abort', () => reject(signal.reason as Error));
          }),
      );
      const failure = transport.exchange(GET_DAG);
      await expect(failure).rejects.toBeInstanceOf(AirflowTimeoutError);
      await expect(failure).rejects.toThrow('Airflow at http://airflow:8080 did not answer within 50 ms');
      expect(recordAirflowCall).toHaveBeenCalledWith('get_dag', 'timeout', expect.any(Number));
    });

    it("maps axios' own timeout to a timeout", async () => {
      request.mockRejectedValue(new AxiosError('timeout of 50ms exceeded', 'ECONNABORTED'));
      await expect(transport.exchange(GET_DAG)).rejects.toBeInstanceOf(AirflowTimeoutError);
    });

    it('maps a refused connection to unreachable, without a retry', async () => {
      request.mockRejectedValue(new AxiosError('connect ECONNREFUSED', 'ECONNREFUSED'));
      const failure = transport.exchange(GET_DAG);
      await expect(failure).rejects.toBeInstanceOf(AirflowUnreachableError);
      await expect(failure).rejects.toThrow('Airflow at http://airflow:8080 cannot be reached (ECONNREFUSED)');
      expect(request).toHaveBeenCalledTimes(1);
      expect(recordAirflowCall).toHaveBeenCalledWith('get_dag', 'unreachable', expect.any(Number));
    });

    it('maps an unknown failure to unreachable, naming it', async () => {
      request.mockRejectedValue(new Error('socket hang up'));
      await expect(transport.exchange(GET_DAG)).rejects.toThrow('cannot be reached (socket hang up)');
    });

    it.each(['ECONNRESET', 'EPIPE'])('retries once when a kept-alive socket was dropped (%s)', async (code) => {
      request.mockRejectedValueOnce(new AxiosError('dropped', code)).mockResolvedValueOnce(answer(200));
      await expect(transport.exchange(GET_DAG)).resolves.toMatchObject({ status: 200 });
      expect(request).toHaveBeenCalledTimes(2);
      expect(recordAirflowCall.mock.calls.map(([endpoint, outcome]) => [endpoint, outcome])).toEqual([
        ['get_dag', 'unreachable'],
        ['get_dag', 'ok'],
      ]);
    });

    it('retries a dropped socket only once', async () => {
      request.mockRejectedValue(new AxiosError('dropped', 'ECONNRESET'));
      await expect(transport.exchange(GET_DAG)).rejects.toThrow('cannot be reached (ECONNRESET)');
      expect(request).toHaveBeenCalledTimes(2);
    });

    it.each([
      [200, 'ok'],
      [201, 'ok'],
      [401, 'auth_refused'],
      [403, 'auth_refused'],
      [404, 'not_found'],
      [405, 'bad_response'],
      [429, 'overloaded'],
      [500, 'bad_response'],
      [502, 'unreachable'],
      [503, 'unreachable'],
      [504, 'unreachable'],
    ])('labels an HTTP %i as %s', async (status, outcome) => {
      request.mockResolvedValue(answer(status));
      await transport.exchange({ method: 'POST', path: '/auth/token', endpoint: 'auth_token' });
      expect(recordAirflowCall).toHaveBeenCalledWith('auth_token', outcome, expect.any(Number));
      const [, , seconds] = recordAirflowCall.mock.calls[0];
      expect(seconds).toBeGreaterThanOrEqual(0);
    });
  });

  describe('json', () => {
    it('hands back the body of a JSON success', () => {
      expect(transport.json(answer(200, { dag_id: 'd' }), 'get_dag', 'd')).toEqual({ dag_id: 'd' });
    });

    it('refuses a success that is not JSON', () => {
      expect(() => transport.json(answer(200, '<html>', 'text/html'), 'get_dag')).toThrow(
        new AirflowBadResponseError('Airflow answered get_dag with a body that is not JSON'),
      );
    });

    it.each([
      [401, 'Airflow refused the credentials of user "airflow" (HTTP 401)'],
      [403, 'Airflow denied user "airflow" access (HTTP 403)'],
    ])('turns HTTP %i into an auth error', (status, message) => {
      expect(() => transport.json(answer(status), 'get_dag', 'd')).toThrow(new AirflowAuthError(message));
    });

    it('turns a 404 into DagNotFoundError when it is about a DAG, a bad response otherwise', () => {
      expect(() => transport.json(answer(404), 'get_dag', 'd')).toThrow(DagNotFoundError);
      expect(() => transport.json(answer(404, { detail: 'Not Found' }), 'auth_token')).toThrow(
        new AirflowBadResponseError('Airflow answered auth_token with HTTP 404'),
      );
    });

    it('tells an overloaded Airflow (HTTP 429) apart from an unreachable one', () => {
      expect(() => transport.json(answer(429), 'list_dag_runs_changed')).toThrow(
        new AirflowOverloadedError('Airflow at http://airflow:8080 is overloaded (HTTP 429)'),
      );
    });

    it.each([502, 503, 504])('turns HTTP %i from a proxy into unreachable', (status) => {
      expect(() => transport.json(answer(status), 'list_dag_runs', 'd')).toThrow(
        new AirflowUnreachableError(`Airflow is unavailable (HTTP ${status} from http://airflow:8080)`),
      );
    });

    it("keeps Airflow's own text out of the message, and logs it cut short and scrubbed", () => {
      // A proxy (or an Airflow) that echoes the login request in its error text.
      const echo = `bad request {"username": "airflow", "password": "pw"} Authorization: Bearer abc.def ${'x'.repeat(1000)}`;
      const error = (() => {
        try {
          transport.json(answer(500, { detail: echo }), 'list_dag_runs', 'd');
        } catch (caught) {
          return caught as Error;
        }
      })();
      expect(error).toBeInstanceOf(AirflowBadResponseError);
      expect(error?.message).toBe('Airflow answered list_dag_runs with HTTP 500');
      const logged = logs.warn.mock.calls.map(([line]) => String(line)).join('\n');
      expect(logged).toContain('Airflow answered list_dag_runs with HTTP 500 (Airflow said: bad request');
      expect(logged).not.toMatch(/"pw"|abc\.def|x{201}/);
    });

    it.each([502, 503, 504])('keeps a proxy text of HTTP %i out of the message too', (status) => {
      expect(() => transport.json(answer(status, { detail: 'password=pw' }), 'get_dag', 'd')).toThrow(
        new AirflowUnreachableError(`Airflow is unavailable (HTTP ${status} from http://airflow:8080)`),
      );
      expect(String(logs.warn.mock.calls[0][0])).not.toContain('=pw');
    });
  });

  describe('one deadline per answer', () => {
    /** A request that answers after `ms`, or fails as axios does when its signal aborts first. */
    const answerAfter = (ms: number) => (config: AxiosRequestConfig) =>
      new Promise<AxiosResponse>((resolve, reject) => {
        const timer = setTimeout(() => resolve(answer(200)), ms);
        config.signal?.addEventListener?.('abort', () => {
          clearTimeout(timer);
          reject(new AxiosError('canceled', 'ERR_CANCELED'));
        });
      });

    it('bounds every exchange of one answer (token, call, retry) by AIRFLOW_TIMEOUT_MS in all', async () => {
      // Each exchange alone fits in the 50 ms timeout; two in a row do not.
      request.mockImplementation(answerAfter(35));
      const started = performance.now();
      const twoCalls = transport.withinDeadline(async (deadline) => {
        await transport.exchange({ ...GET_DAG, deadline });
        return transport.exchange({ ...GET_DAG, deadline });
      });
      await expect(twoCalls).rejects.toBeInstanceOf(AirflowTimeoutError);
      // The rejection is the proof (without the deadline both calls succeed); the bound only catches a hang, with room for a loaded machine.
      expect(performance.now() - started).toBeLessThan(1_000);
    });

    it('gives up at the deadline even while waiting on something else', async () => {
      const started = performance.now();
      const stuck = transport.withinDeadline(() => new Promise<never>(() => undefined));
      await expect(stuck).rejects.toBeInstanceOf(AirflowTimeoutError);
      // The rejection is the proof (without the deadline it would wait forever); the bound allows a loaded machine.
      expect(performance.now() - started).toBeLessThan(1_000);
    });

    it('lets an answer that fits through', async () => {
      request.mockImplementation(answerAfter(5));
      await expect(transport.withinDeadline((deadline) => transport.exchange({ ...GET_DAG, deadline }))).resolves.toMatchObject({
        status: 200,
      });
    });
  });

  describe('priority lane', () => {
    const RUNS: AirflowExchange = { method: 'GET', path: '/api/v2/dags/d/dagRuns', endpoint: 'list_dag_runs' };

    it('sends what pages and readiness depend on over sockets of their own, JSON-API reads over the shared pool', async () => {
      request.mockResolvedValue(answer(200));
      await transport.exchange(RUNS);
      await transport.exchange({ ...RUNS, priority: true });
      await transport.exchange(GET_DAG);
      await transport.exchange({ method: 'POST', path: '/auth/token', endpoint: 'auth_token' });
      const [shared, target, readiness, token] = request.mock.calls.map(([config]) => config.httpAgent as unknown);
      expect(shared).toBeUndefined();
      expect(target).toBeDefined();
      expect(readiness).toBe(target);
      expect(token).toBe(target);
      transport.onApplicationShutdown();
    });
  });

  describe('link state', () => {
    const fail = (fn: () => unknown) => expect(fn).toThrow();

    it('logs when Airflow becomes unavailable and when it is back, once each, not on every failure', async () => {
      transport.json(answer(200), 'get_dag');
      expect(logs.log).not.toHaveBeenCalled(); // the first success is no news

      request.mockRejectedValue(new AxiosError('connect ECONNREFUSED', 'ECONNREFUSED'));
      await expect(transport.exchange(GET_DAG)).rejects.toThrow();
      await expect(transport.exchange(GET_DAG)).rejects.toThrow();
      fail(() => transport.json(answer(503), 'get_dag'));
      expect(logs.warn).toHaveBeenCalledTimes(1);
      expect(logs.warn).toHaveBeenCalledWith('Airflow became unavailable: Airflow at http://airflow:8080 cannot be reached (ECONNREFUSED)');

      transport.json(answer(200), 'get_dag');
      transport.json(answer(200), 'get_dag');
      expect(logs.log).toHaveBeenCalledTimes(1);
      expect(logs.log).toHaveBeenCalledWith('Airflow is reachable again');
    });

    it('logs a refusal of the credentials once, naming the user and what to check', () => {
      fail(() => transport.json(answer(401), 'get_dag'));
      fail(() => transport.json(answer(403), 'get_dag'));
      fail(() => transport.json(answer(401), 'list_dag_runs'));
      expect(logs.error).toHaveBeenCalledTimes(1);
      expect(logs.error).toHaveBeenCalledWith(
        'Airflow refused the credentials of user "airflow"; check AIRFLOW_USERNAME and AIRFLOW_PASSWORD',
      );
      expect(logs.warn).not.toHaveBeenCalled();
    });

    it('counts an unknown DAG as a working link', () => {
      fail(() => transport.json(answer(503), 'get_dag'));
      fail(() => transport.json(answer(404), 'get_dag', 'gone'));
      expect(logs.log).toHaveBeenCalledWith('Airflow is reachable again');
    });

    it('records failures found elsewhere and hands them back', () => {
      const error = new AirflowBadResponseError('No Airflow REST API answers');
      expect(transport.noteFailure(error)).toBe(error);
      expect(logs.warn).toHaveBeenCalledWith('Airflow became unavailable: No Airflow REST API answers');
    });
  });
});
