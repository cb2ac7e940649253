import { ApiProperty } from '@nestjs/swagger';

/** The one shape of every error this service answers with. */
export class ErrorDto {
  @ApiProperty({ example: 503 })
  statusCode!: number;

  @ApiProperty({ example: 'Service Unavailable' })
  error!: string;

  @ApiProperty({
    example: 'airflow_unreachable',
    description:
      'Stable machine-readable cause: bad_request, not_found, dag_not_found, airflow_unreachable, airflow_timeout, airflow_auth_refused, config_mismatch, airflow_bad_response, internal_error, ...',
  })
  reason!: string;

  @ApiProperty({ example: 'Airflow at http://localhost:8080 cannot be reached (ECONNREFUSED)' })
  message!: string;

  @ApiProperty({ example: '/api/dags/Airflow_Lab2/status' })
  path!: string;

  @ApiProperty({ example: '2026-11-28T21:41:00.000Z' })
  timestamp!: string;
}

/**
 * An error that adds fields of its own to the error body (the one shape's fields always win),
 * e.g. a DAG's last known status beside an Airflow failure. The edge serialises it without
 * knowing the feature that threw it.
 */
export interface ErrorBodyExtension {
  readonly errorBodyExtension: Readonly<Record<string, unknown>>;
}

export function hasErrorBodyExtension(error: unknown): error is ErrorBodyExtension {
  if (typeof error !== 'object' || error === null || !('errorBodyExtension' in error)) return false;
  const extension = error.errorBodyExtension;
  return typeof extension === 'object' && extension !== null;
}

/** The headers of every error answer, for the OpenAPI document (HttpExceptionFilter sets them). */
export const ERROR_HEADERS = {
  'Cache-Control': { description: 'Never cached', schema: { type: 'string', enum: ['no-store'] } },
};

/** A 503's headers: also when to ask again. */
export const UNAVAILABLE_HEADERS = {
  ...ERROR_HEADERS,
  'Retry-After': { description: 'Seconds before the answer can change', schema: { type: 'integer', minimum: 0 } },
};
