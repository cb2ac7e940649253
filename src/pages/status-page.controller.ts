import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiFoundResponse, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { StatusVerdictDto } from '../dag-status/dag-status.dto.js';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import { renderStatusPage, STATUS_PAGE_CSP } from './status-page.renderer.js';

/** A status page's 200: HTML for people, the verdict as JSON when the client asks for JSON first. */
const PAGE_RESPONSE = {
  description: 'The verdict: an HTML page, or JSON with Accept: application/json',
  content: {
    'text/html': { schema: { type: 'string' } },
    'application/json': { schema: { $ref: getSchemaPath(StatusVerdictDto) } },
  },
  headers: {
    'Cache-Control': { schema: { type: 'string', enum: ['no-store'] } },
    Vary: { schema: { type: 'string' } },
  },
};

/** The seed's routes: a redirect and two pages about TARGET_DAG_ID, for people (and JSON on request). */
@ApiTags('Status pages')
@ApiExtraModels(StatusVerdictDto)
@Controller()
export class StatusPageController {
  constructor(private readonly status: DagStatusService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Redirect to /success or /failure',
    description:
      'To /success when the latest run of TARGET_DAG_ID succeeded; to /failure otherwise (failed, running, queued, no run yet, Airflow unreachable).',
  })
  @ApiFoundResponse({
    description: 'To /success or /failure',
    headers: {
      Location: { schema: { type: 'string', enum: ['/success', '/failure'] } },
      'Cache-Control': { schema: { type: 'string', enum: ['no-store'] } },
    },
  })
  async root(@Res() res: Response): Promise<void> {
    const verdict = await this.status.verdict();
    res.redirect(302, verdict.outcome === 'success' ? '/success' : '/failure');
  }

  @Get('success')
  @ApiOperation({
    summary: 'Status page of TARGET_DAG_ID',
    description: 'Shows the truth whatever the outcome: HTML for people, JSON with Accept: application/json.',
  })
  @ApiOkResponse(PAGE_RESPONSE)
  success(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.page(req, res);
  }

  @Get('failure')
  @ApiOperation({
    summary: 'Status page of TARGET_DAG_ID',
    description:
      'The same page as /success: it says why the latest run is not a success (no run yet, still running, failed, Airflow unreachable, credentials refused).',
  })
  @ApiOkResponse(PAGE_RESPONSE)
  failure(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.page(req, res);
  }

  private async page(req: Request, res: Response): Promise<void> {
    const verdict = await this.status.verdict();
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept');
    if (req.accepts(['html', 'json']) === 'json') {
      res.status(200).json(StatusVerdictDto.fromVerdict(verdict));
      return;
    }
    res.setHeader('Content-Security-Policy', STATUS_PAGE_CSP);
    res.status(200).type('html').send(renderStatusPage(verdict));
  }
}
