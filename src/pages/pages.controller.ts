import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import { DAGS_PAGE_CSP, renderDagsPage } from './dags-page.renderer.js';
import { LIVE_SCRIPT } from './pages.live-script.js';

/** Pages for people: every allowed DAG at a glance, and the pages' one script. */
@ApiTags('Status pages')
@Controller()
export class PagesController {
  constructor(private readonly status: DagStatusService) {}

  @Get('dags')
  @ApiOperation({
    summary: 'Every allowed DAG at a glance (HTML)',
    description:
      'One row per DAG of ALLOWED_DAG_IDS: its state in words and colour, the latest run, when it started and ended, its duration, ' +
      'the last success, its last 10 runs and links to Airflow; while Airflow cannot be read, the last known state and since when. ' +
      'Updates in place from GET /api/events.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page' })
  async dags(@Res() res: Response): Promise<void> {
    const overviews = await this.status.overviews();
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Security-Policy', DAGS_PAGE_CSP);
    res.status(200).type('html').send(renderDagsPage(overviews));
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
