import { describe, expect, it, jest } from '@jest/globals';
import { type ArgumentsHost, Logger, NotFoundException } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import {
  AirflowAuthError,
  AirflowBadResponseError,
  AirflowTimeoutError,
  AirflowUnreachableError,
  DagNotFoundError,
} from '../airflow/airflow.errors.js';
import type { AllConfig } from '../config/config.type.js';
import { HttpExceptionFilter } from './http-exception.filter.js';

function answer(exception: unknown) {
  const headers = new Map<string, unknown>([['X-Request-Id', 'req-42']]);
  const sent: { status?: number; body?: unknown } = {};
  const response = {
    headersSent: false,
    getHeader: (name: string) => headers.get(name),
    setHeader: (name: string, value: unknown) => headers.set(name, value),
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
    },
  } as unknown as Response;
  const request = { method: 'GET', path: '/api/dags/x/status' } as Request;
  const host = { switchToHttp: () => ({ getResponse: () => response, getRequest: () => request }) } as unknown as ArgumentsHost;
  const config = { getOrThrow: () => ({ cacheTtlMs: 2000 }) } as unknown as ConfigService<AllConfig, true>;
  new HttpExceptionFilter(config).catch(exception, host);
  return { ...sent, headers };
}

describe('HttpExceptionFilter', () => {
  it('answers an unexpected error with a 500 that hides it, and logs it with the request id', () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const { status, body } = answer(new Error('secret detail'));
      expect(status).toBe(500);
      expect(body).toMatchObject({ statusCode: 500, reason: 'internal_error', message: 'An unexpected error occurred' });
      expect(JSON.stringify(body)).not.toContain('secret detail');
      expect(error).toHaveBeenCalledWith('Unhandled error on GET /api/dags/x/status', expect.stringContaining('secret detail'), {
        request_id: 'req-42',
      });
    } finally {
      error.mockRestore();
    }
  });

  it('maps an Airflow failure to its status, with Retry-After for a 503', () => {
    const { status, body, headers } = answer(new AirflowUnreachableError('connect ECONNREFUSED'));
    expect(status).toBe(503);
    expect(body).toMatchObject({ reason: 'airflow_unreachable' });
    expect(headers.get('Retry-After')).toBe('2');
  });

  it.each([
    [new AirflowUnreachableError('refused'), 503, 'airflow_unreachable'],
    [new AirflowTimeoutError('slow'), 504, 'airflow_timeout'],
    [new AirflowAuthError('refused the credentials'), 503, 'airflow_auth_refused'],
    [new AirflowBadResponseError('not JSON'), 502, 'airflow_bad_response'],
    [new DagNotFoundError('nope'), 404, 'dag_not_found'],
  ])('answers %s with %i and its reason', (error, expected, reason) => {
    const { status, body, headers } = answer(error);
    expect(status).toBe(expected);
    expect(body).toMatchObject({ statusCode: expected, reason, message: error.message });
    expect(headers.get('Retry-After')).toBe(expected === 503 ? '2' : undefined);
    expect(headers.get('Cache-Control')).toBe('no-store');
  });

  it("keeps Nest's HTTP exceptions as they are", () => {
    expect(answer(new NotFoundException('nope'))).toMatchObject({ status: 404, body: { reason: 'not_found', message: 'nope' } });
  });

  it("adds an Airflow failure's own body fields, never over the shape's", () => {
    const error = Object.assign(new AirflowTimeoutError('slow'), {
      errorBodyExtension: { last_known: { state: 'success' }, reason: 'forged', statusCode: 200 },
    });
    const { status, body } = answer(error);
    expect(status).toBe(504);
    expect(body).toMatchObject({ statusCode: 504, reason: 'airflow_timeout', last_known: { state: 'success' } });
  });
});
