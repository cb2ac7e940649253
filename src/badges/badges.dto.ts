import { ApiProperty } from '@nestjs/swagger';

/** A shields.io endpoint badge (https://shields.io/badges/endpoint-badge). */
export class ShieldsEndpointDto {
  @ApiProperty({ example: 1, enum: [1] })
  schemaVersion!: 1;

  @ApiProperty({ example: 'Airflow_Lab2' })
  label!: string;

  @ApiProperty({
    example: 'success',
    description:
      'success, failed, running, queued, stale, no runs, overdue, running long, paused, import error, scheduler down, dag processor down, or unknown while Airflow cannot be read',
  })
  message!: string;

  @ApiProperty({ example: 'brightgreen' })
  color!: string;

  @ApiProperty({ description: 'True while Airflow cannot be read (the state is unknown)' })
  isError!: boolean;
}
