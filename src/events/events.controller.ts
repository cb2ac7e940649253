import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { DAG_ID_RULE, DAG_ID_SCHEMA } from '../config/dag-id.rule.js';
import { DagOverviewDto } from '../overview/overview.dto.js';
import { ErrorDto } from '../http/error.dto.js';
import { DagIdsPipe } from './dag-ids.pipe.js';
import { EventsService } from './events.service.js';

const EXAMPLE = `retry: 3000
id: 
: airflow-status-api status events

event: status
id: 1764652157000001
data: {"dag_id":"Airflow_Lab2","state":"success","run_id":"manual__2026-11-28T21:40:03+00:00",…,"outcome":"success",…}

: heartbeat

`;

/** Server-Sent Events: the allowed DAGs' overviews as they change. */
@ApiTags('Live updates')
@ApiExtraModels(DagOverviewDto)
@Controller('api')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get('events')
  @ApiOperation({
    summary: 'Live updates of the DAGs, as Server-Sent Events',
    description:
      'On connect a `retry:` hint, then one `status` event per DAG with its current overview (the same object as an entry of GET /api/dags), ' +
      'then one `status` event each time what the overview shows of a DAG changes: its state, runs, last success, failed tasks, ' +
      'staleness (noticed at the next read after the DAG crosses MAX_SUCCESS_AGE) or Airflow failure (nothing while nothing changes). ' +
      'Every event has an increasing `id`; reconnecting with `Last-Event-ID` resumes after it (the events missed since), or, when the id is too ' +
      'old or unknown, starts again with the current status of each DAG. A comment (`: heartbeat`) every 15 s (EVENTS_HEARTBEAT_MS) keeps ' +
      'proxies from closing an idle stream. At most MAX_EVENT_STREAMS streams are open at once; beyond it 503 with Retry-After. ' +
      'Streams end when the service stops. Airflow is read once per DAG per STATUS_CACHE_TTL_MS however many streams are open.',
  })
  @ApiQuery({
    name: 'dag_id',
    required: false,
    description: `An allowed DAG id (repeatable; ${DAG_ID_RULE}); without it, every DAG of ALLOWED_DAG_IDS`,
    schema: { type: 'array', items: DAG_ID_SCHEMA },
    style: 'form',
    explode: true,
    example: ['Airflow_Lab2'],
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received, to resume after it' })
  @ApiOkResponse({
    description: 'An event stream; the data of each `status` event is a DagOverviewDto, as JSON',
    content: {
      'text/event-stream': {
        schema: {
          type: 'object',
          description: 'One event (`event: status`, `id: <increasing integer>`, `data: <JSON>`)',
          properties: {
            event: { type: 'string', enum: ['status'] },
            id: { type: 'string', example: '1764652157000001' },
            data: {
              type: 'string',
              description: `A ${DagOverviewDto.name} (${getSchemaPath(DagOverviewDto)}), as JSON`,
            },
          },
        },
        example: EXAMPLE,
      },
    },
  })
  @ApiBadRequestResponse({ description: 'A malformed dag_id', type: ErrorDto })
  @ApiNotFoundResponse({ description: 'A dag_id not in ALLOWED_DAG_IDS', type: ErrorDto })
  @ApiServiceUnavailableResponse({
    description: 'MAX_EVENT_STREAMS streams are open already, or the service is stopping (Retry-After set)',
    type: ErrorDto,
  })
  stream(
    @Query('dag_id', DagIdsPipe) dagIds: string[] | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): void {
    // Written by EventsService from here on: the handler returns at once, so no request state is held while the stream is open.
    this.events.open(dagIds, lastEventId, res);
  }
}
