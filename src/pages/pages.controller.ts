import { Controller, Get, Header, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ERROR_HEADERS, ErrorDto } from '../http/error.dto.js';
import { OverviewQueryPipe } from '../overview/overview-query.pipe.js';
import { ApiOverviewQuery } from '../overview/overview.dto.js';
import { OverviewService } from '../overview/overview.service.js';
import { ReliabilityService } from '../reliability/reliability.service.js';
import { EVERY_DAG, OVERVIEW_LIMIT_MAX, type OverviewQuery } from '../overview/overview.types.js';
import { DAGS_PAGE_CSP, renderDagsPage } from './dags-page.renderer.js';
import { LIVE_SCRIPT } from './pages.live-script.js';

/** Pages for people: every allowed DAG at a glance, and the pages' one script. */
@ApiTags('Status pages')
@Controller()
export class PagesController {
  constructor(
    private readonly overviews: OverviewService,
    private readonly reliability: ReliabilityService,
  ) {}

  @Get('dags')
  @ApiOperation({
    summary: 'Every allowed DAG at a glance (HTML)',
    description:
      'The counts of every DAG by verdict (each a link to its rows), a filter, and one row per DAG of ALLOWED_DAG_IDS that matches the query ' +
      '(the parameters of GET /api/dags): its state in words and colour, the latest run, when it started and ended, its duration, ' +
      'the last success, its last 10 runs, its reliability (README "Reliability", with a chart of its durations) and links to Airflow; while Airflow cannot be read, the last known state and since when. ' +
      'Updates in place from GET /api/events; a DAG that starts or stops matching the filter joins or leaves the list.',
  })
  @ApiOverviewQuery()
  // HTML on success only: a 400 is the JSON error of every route.
  @ApiOkResponse({ description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiBadRequestResponse({ description: 'A query parameter is malformed', type: ErrorDto, headers: ERROR_HEADERS })
  async dags(@Query(OverviewQueryPipe) query: OverviewQuery | undefined, @Res() res: Response): Promise<void> {
    const asked = query ?? EVERY_DAG;
    // Past 1,000 rows the page is paged even unasked: 5,000 rows weigh ~18 MB, fetched again on every change.
    const selection = await this.overviews.select({ ...asked, limit: asked.limit ?? OVERVIEW_LIMIT_MAX });
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Security-Policy', DAGS_PAGE_CSP);
    const now = new Date();
    res
      .status(200)
      .type('html')
      .send(renderDagsPage(selection, asked, now, (dagId) => this.reliability.peek(dagId, now.getTime())));
  }

  @Get('assets/live.js')
  // Revalidated on every use (the ETag makes that a 304), so a new release's script is never mixed with an old page.
  @Header('Cache-Control', 'no-cache')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @ApiOperation({ summary: "The pages' script: live updates from /api/events, with a fallback the reader can pause" })
  @ApiProduces('text/javascript')
  @ApiOkResponse({ description: 'The script' })
  liveScript(): string {
    return LIVE_SCRIPT;
  }
}
