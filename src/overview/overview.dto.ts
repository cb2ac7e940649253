import { ApiProperty } from '@nestjs/swagger';
import { DagOverviewDto } from '../dag-status/dag-status.dto.js';

/** `GET /api/dags`: every allowed DAG, in the order of ALLOWED_DAG_IDS. */
export class OverviewDto {
  @ApiProperty({
    type: [DagOverviewDto],
    description: 'One entry per DAG of ALLOWED_DAG_IDS, in its order; an Airflow fault for a DAG is in its entry (airflow_error)',
  })
  dags!: DagOverviewDto[];
}
