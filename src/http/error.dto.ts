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
