import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DagOverviewDto } from '../overview/overview.dto.js';
import { ERROR_HEADERS, ErrorDto } from '../http/error.dto.js';
import { OverviewQueryPipe } from './overview-query.pipe.js';
import { ApiOverviewQuery, OverviewDto } from './overview.dto.js';
import { OverviewService } from './overview.service.js';
import type { OverviewQuery } from './overview.types.js';

/** Every allowed DAG at a glance, as JSON. */
@ApiTags('Overview')
@Controller('api/dags')
export class OverviewController {
  constructor(private readonly overviews: OverviewService) {}

  @Get()
  // Each DAG's entry comes from the store's cache; an HTTP cache would only add staleness on top.
  @Header('Cache-Control', 'no-cache')
  @ApiOperation({
    summary: 'Every allowed DAG at a glance, filtered and paged on request',
    description:
      'Each DAG of ALLOWED_DAG_IDS, in its order, with the fields of /api/dags/{dagId}/status plus the verdict (outcome, reason, explanation, per VERDICT_BASIS and MAX_SUCCESS_AGE), a link to Airflow, its last 10 runs and, while Airflow cannot be read for it, airflow_error (the status fields then hold the last state seen). Always 200 for a valid query: a fault for one DAG is in its entry. ' +
      'With any of the query parameters the answer keeps only the DAGs that match every filter given (a repeated parameter matches any of its values), at most `limit` from `cursor` on, and adds `total`, `next` and `counts`.',
  })
  @ApiOverviewQuery()
  @ApiOkResponse({ type: OverviewDto })
  @ApiBadRequestResponse({ description: 'A query parameter is malformed', type: ErrorDto, headers: ERROR_HEADERS })
  async overview(@Query(OverviewQueryPipe) query: OverviewQuery | undefined): Promise<OverviewDto> {
    if (query === undefined) return { dags: (await this.overviews.all()).map((o) => DagOverviewDto.fromOverview(o)) };
    const { dags, total, next, counts } = await this.overviews.select(query);
    return { dags: dags.map((o) => DagOverviewDto.fromOverview(o)), total, next, counts };
  }
}
