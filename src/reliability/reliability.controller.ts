import { Controller, Get, Param } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiGatewayTimeoutResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { DAG_ID_PARAM, DagIdPipe } from '../dag-status/dag-id.pipe.js';
import { ERROR_HEADERS, ErrorDto, UNAVAILABLE_HEADERS } from '../http/error.dto.js';
import { ReliabilityDto } from './reliability.dto.js';
import { ReliabilityService } from './reliability.service.js';

/** Issue 20's figures of one DAG, from memory. */
@ApiTags('DAG status')
@Controller('api/dags')
export class ReliabilityController {
  constructor(private readonly reliability: ReliabilityService) {}

  @Get(':dagId/reliability')
  @ApiOperation({
    summary: 'How reliable a DAG is: success and on-time ratios, recovery, durations, failures, objectives',
    description:
      'Over each RELIABILITY_WINDOWS window (exact UTC durations ending now), from the runs the mirror keeps: no Airflow call per request. The rules are in README "Reliability".',
  })
  @ApiParam(DAG_ID_PARAM)
  @ApiOkResponse({ type: ReliabilityDto })
  @ApiBadRequestResponse({ description: 'The DAG id is malformed; Airflow is not asked', type: ErrorDto, headers: ERROR_HEADERS })
  @ApiNotFoundResponse({ description: 'Airflow does not know the DAG, or it is not watched', type: ErrorDto, headers: ERROR_HEADERS })
  @ApiResponse({ status: 502, description: 'Airflow answered something its API does not specify', type: ErrorDto, headers: ERROR_HEADERS })
  @ApiGatewayTimeoutResponse({ description: 'Airflow did not answer within AIRFLOW_TIMEOUT_MS', type: ErrorDto, headers: ERROR_HEADERS })
  @ApiServiceUnavailableResponse({
    description: 'Airflow cannot be read for the DAG, or its past runs are still being read',
    type: ErrorDto,
    headers: UNAVAILABLE_HEADERS,
  })
  async get(@Param('dagId', DagIdPipe) dagId: string): Promise<ReliabilityDto> {
    return ReliabilityDto.from(await this.reliability.read(dagId));
  }
}
