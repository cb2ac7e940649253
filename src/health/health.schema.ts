import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { AIRFLOW_FAILURE_REASONS } from '../airflow/airflow.errors.js';
import { UNAVAILABLE_HEADERS } from '../http/error.dto.js';

/**
 * The OpenAPI schema of Terminus's answer (`status`, then each indicator under `info`, `error` and
 * `details`), with this service's indicators as examples. Ours because Terminus's own documentation
 * loads a second copy of @nestjs/swagger and Nest from node_modules, outside the bundle (+11 MB RSS:
 * BENCHMARKS.md), to describe a database and a Redis this service does not have.
 */
type Indicators = Record<string, Record<string, unknown>>;

const indicators = (example: Indicators, nullable = false) => ({
  type: 'object' as const,
  example,
  ...(nullable && { nullable: true }),
  additionalProperties: {
    type: 'object' as const,
    required: ['status'],
    properties: {
      status: { type: 'string' as const, enum: ['up', 'down'] },
      reason: { type: 'string', enum: [...AIRFLOW_FAILURE_REASONS, 'shutting_down'], description: 'Why it is down' },
      message: { type: 'string', description: 'Why it is down, in words' },
    },
    additionalProperties: true,
  },
});

const result = (status: string[], info: Indicators, error: Indicators) => ({
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: status, example: status[0] },
    info: indicators(info, true),
    error: indicators(error, true),
    details: indicators({ ...info, ...error }),
  },
});

const PROCESS = {
  process: { status: 'up', service: 'airflow-status-api', instance_id: '8f0c6c9e-3b1a-4c52-9a0e-2f1d6c7b5a43', pid: 4242, uptime_s: 360 },
};
const LIFECYCLE = { lifecycle: { status: 'up' } };
const AIRFLOW_UP = { airflow: { status: 'up', dag_id: 'Airflow_Lab2', api_version: 'v2', auth: 'jwt', is_paused: false } };
const AIRFLOW_DOWN = {
  airflow: {
    status: 'down',
    dag_id: 'Airflow_Lab2',
    reason: 'airflow_unreachable',
    message: 'Airflow at http://127.0.0.1:8080 cannot be reached (ECONNREFUSED)',
  },
};

/** Liveness: answers from the process alone, so 200 while it serves, 503 once it is stopping. */
export const LivenessResponses = () =>
  applyDecorators(
    ApiOkResponse({ description: 'The process serves', schema: result(['ok'], PROCESS, {}) }),
    ApiServiceUnavailableResponse({
      description: 'The process is stopping',
      headers: UNAVAILABLE_HEADERS,
      schema: result(['shutting_down'], PROCESS, {}),
    }),
  );

/** Readiness: 200 when every indicator is up, else 503 with the ones that are not under `error`. */
export const ReadinessResponses = () =>
  applyDecorators(
    ApiOkResponse({ description: 'Ready: not stopping, and Airflow answers', schema: result(['ok'], { ...LIFECYCLE, ...AIRFLOW_UP }, {}) }),
    ApiServiceUnavailableResponse({
      description: 'Not ready; `error` says why (reason and message)',
      headers: UNAVAILABLE_HEADERS,
      schema: result(['error', 'shutting_down'], LIFECYCLE, AIRFLOW_DOWN),
    }),
  );
