import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiGatewayTimeoutResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ERROR_HEADERS, ErrorDto, UNAVAILABLE_HEADERS } from '../http/error.dto.js';
import { DAG_ID_PARAM, DagIdPipe } from './dag-id.pipe.js';
import { DagRunDto, DagRunsDto, DagStatusDto, StatusUnavailableDto } from './dag-status.dto.js';
import { DagStatusService } from './dag-status.service.js';
import { cacheControlFor } from './dag-status.cache.js';
import { RunsLimitPipe } from './runs-limit.pipe.js';

/** What a cacheable JSON answer carries. */
const CACHE_HEADERS = {
  ETag: { description: 'Weak validator of the body; send it back in If-None-Match', schema: { type: 'string' } },
  'Cache-Control': {
    description: 'max-age= the seconds until the service reads Airflow again',
    schema: { type: 'string', pattern: '^max-age=\\d+$' },
  },
};

/** The JSON API for REST clients and dashboards. */
@ApiTags('DAG status')
@ApiBadRequestResponse({ description: 'The DAG id (or limit) is malformed; Airflow is not asked', type: ErrorDto, headers: ERROR_HEADERS })
@ApiNotFoundResponse({
  description: 'Airflow does not know the DAG, or it is not in ALLOWED_DAG_IDS',
  type: ErrorDto,
  headers: ERROR_HEADERS,
})
@ApiResponse({ status: 502, description: 'Airflow answered something its API does not specify', type: ErrorDto, headers: ERROR_HEADERS })
@ApiServiceUnavailableResponse({
  description: 'Airflow cannot be reached or refused our credentials',
  type: ErrorDto,
  headers: UNAVAILABLE_HEADERS,
})
@ApiGatewayTimeoutResponse({ description: 'Airflow did not answer within AIRFLOW_TIMEOUT_MS', type: ErrorDto, headers: ERROR_HEADERS })
@Controller('api/dags')
export class DagStatusController {
  constructor(private readonly status: DagStatusService) {}

  @Get(':dagId/status')
  @ApiOperation({
    summary: 'The latest run of a DAG',
    description:
      'Newest by run_after, so a manual run without a logical date counts; with the last finished run, when the last success ended, the failed tasks of a failed last finished run (with log links) and whether the last success is older than MAX_SUCCESS_AGE. Cached for STATUS_CACHE_TTL_MS; Cache-Control says for how much longer. While Airflow cannot be read: 503/504 whose body carries `last_known`.',
  })
  @ApiParam(DAG_ID_PARAM)
  @ApiOkResponse({ type: DagStatusDto, headers: CACHE_HEADERS })
  @ApiResponse({ status: 304, description: 'If-None-Match named the current ETag: no body', headers: CACHE_HEADERS })
  @ApiServiceUnavailableResponse({
    description: 'Airflow cannot be reached or refused our credentials (Retry-After set); `last_known` holds the last status seen',
    type: StatusUnavailableDto,
    headers: UNAVAILABLE_HEADERS,
  })
  async getStatus(@Param('dagId', DagIdPipe) dagId: string, @Res({ passthrough: true }) res: Response): Promise<DagStatusDto> {
    const snapshot = await this.status.readStatus(dagId);
    res.setHeader('Cache-Control', cacheControlFor(snapshot));
    return DagStatusDto.from(snapshot.status!);
  }

  @Get(':dagId/runs')
  @ApiOperation({ summary: 'The newest runs of a DAG, newest first' })
  @ApiParam(DAG_ID_PARAM)
  @ApiQuery({
    name: 'limit',
    required: false,
    description: 'How many runs, 1 to 100 (default 10)',
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
  })
  @ApiOkResponse({ type: DagRunsDto, headers: CACHE_HEADERS })
  @ApiResponse({ status: 304, description: 'If-None-Match named the current ETag: no body', headers: CACHE_HEADERS })
  async listRuns(
    @Param('dagId', DagIdPipe) dagId: string,
    @Query('limit', RunsLimitPipe) limit: number,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DagRunsDto> {
    const snapshot = await this.status.read(dagId, limit);
    res.setHeader('Cache-Control', cacheControlFor(snapshot));
    return { dag_id: dagId, runs: snapshot.runs.slice(0, limit).map((run) => DagRunDto.from(run)), fetched_at: snapshot.fetchedAt };
  }
}
