import { Controller, Get, Param, Res } from '@nestjs/common';
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
import type { Response } from 'express';
import { DAG_ID_PARAM, DagIdPipe } from '../dag-status/dag-id.pipe.js';
import { ERROR_HEADERS, ErrorDto, UNAVAILABLE_HEADERS } from '../http/error.dto.js';
import { ATOM_CONTENT_TYPE, renderFeed } from './feeds.renderer.js';
import { FeedsService } from './feeds.service.js';
import type { Feed } from './feeds.types.js';

/** A feed's 200: Atom only on success; an error is the JSON error of every route. */
const FEED_RESPONSE = {
  description: 'An Atom 1.0 feed (RFC 4287)',
  content: { 'application/atom+xml': { schema: { type: 'string' } } },
  headers: {
    ETag: { description: 'Weak validator of the body; send it back in If-None-Match', schema: { type: 'string' } },
    'Cache-Control': { description: 'Revalidate before each use', schema: { type: 'string', enum: ['no-cache'] } },
  },
};

const ENTRIES =
  'Entries: a finished run whose outcome differs from the finished run before it (`failed`, `recovered`), the DAG’s first finished run ' +
  '(`failed`, `succeeded`) while Airflow holds fewer runs of it than the 10 kept, and `paused` or `import_error` while the DAG is, each dated ' +
  'and identified by its last finished run. Made from Airflow’s runs and the DAG’s attributes, not from memory: ids (tag: URIs of the ' +
  'Airflow, the DAG, the run and the kind) are the same after a restart and in every replica; `updated` is when the run ended.';

/** Atom feeds of verdict changes, for feed readers (the README's "Alerts"). */
@ApiTags('Feeds')
@Controller('api/dags')
export class FeedsController {
  constructor(private readonly feeds: FeedsService) {}

  @Get('feed.atom')
  @ApiOperation({
    summary: 'Verdict changes of every watched DAG (Atom)',
    description: `The newest 100 entries of every watched DAG, newest first. ${ENTRIES} A DAG Airflow cannot tell about is left out: always 200.`,
  })
  @ApiOkResponse(FEED_RESPONSE)
  @ApiResponse({ status: 304, description: 'If-None-Match named the current ETag: no body' })
  async everyDag(@Res({ passthrough: true }) res: Response): Promise<string> {
    return send(res, await this.feeds.everyDagFeed());
  }

  @Get(':dagId/feed.atom')
  @ApiOperation({
    summary: 'Verdict changes of a DAG (Atom)',
    description: `${ENTRIES} While Airflow cannot be read, from the last runs seen; without any, the error of /api/dags/{dagId}/status.`,
  })
  @ApiParam(DAG_ID_PARAM)
  @ApiOkResponse(FEED_RESPONSE)
  @ApiResponse({ status: 304, description: 'If-None-Match named the current ETag: no body' })
  @ApiBadRequestResponse({ description: 'The DAG id is malformed; Airflow is not asked', type: ErrorDto, headers: ERROR_HEADERS })
  @ApiNotFoundResponse({ description: 'Airflow does not know the DAG, or it is not watched', type: ErrorDto, headers: ERROR_HEADERS })
  @ApiResponse({ status: 502, description: 'Airflow answered something its API does not specify', type: ErrorDto, headers: ERROR_HEADERS })
  @ApiServiceUnavailableResponse({
    description: 'Airflow cannot be reached or refused our credentials',
    type: ErrorDto,
    headers: UNAVAILABLE_HEADERS,
  })
  @ApiGatewayTimeoutResponse({ description: 'Airflow did not answer within AIRFLOW_TIMEOUT_MS', type: ErrorDto, headers: ERROR_HEADERS })
  async dag(@Param('dagId', DagIdPipe) dagId: string, @Res({ passthrough: true }) res: Response): Promise<string> {
    return send(res, await this.feeds.dagFeed(dagId));
  }
}

/** Set only on success: an error keeps the JSON error shape. Express adds the ETag and answers If-None-Match. */
function send(res: Response, feed: Feed): string {
  res.setHeader('Content-Type', ATOM_CONTENT_TYPE);
  // A reader polls: it revalidates each time (a 304 while nothing changed) rather than keep an old copy.
  res.setHeader('Cache-Control', 'no-cache');
  return renderFeed(feed);
}
