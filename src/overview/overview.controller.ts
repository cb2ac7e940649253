import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import { OverviewDto } from './overview.dto.js';

/** Every allowed DAG at a glance, as JSON. */
@ApiTags('Overview')
@Controller('api/dags')
export class OverviewController {
  constructor(private readonly status: DagStatusService) {}

  @Get()
  // Each DAG's entry comes from the store's cache; an HTTP cache would only add staleness on top.
  @Header('Cache-Control', 'no-cache')
  @ApiOperation({
    summary: 'Every allowed DAG at a glance',
    description:
      'Each DAG of ALLOWED_DAG_IDS, in its order, with the fields of /api/dags/{dagId}/status plus the verdict (outcome, reason, explanation, per VERDICT_BASIS and MAX_SUCCESS_AGE), a link to Airflow, its last 10 runs and, while Airflow cannot be read for it, airflow_error (the status fields then hold the last state seen). Always 200: a fault for one DAG is in its entry.',
  })
  @ApiOkResponse({ type: OverviewDto })
  async overview(): Promise<OverviewDto> {
    return { dags: await this.status.overviews() };
  }
}
