import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { PublicBadge } from '../access/access.decorator.js';
import { DAG_ID_PARAM, DagIdPipe } from '../dag-status/dag-id.pipe.js';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import { ErrorDto } from '../http/error.dto.js';
import { ReliabilityService } from '../reliability/reliability.service.js';
import { BADGE_LABEL_MAX, BadgeLabelPipe } from './badge-label.pipe.js';
import { BadgeMetricPipe, type BadgeMetric } from './badge-metric.pipe.js';
import { badgeOf, reliabilityBadgeOf, renderBadgeSvg, type Badge } from './badge.renderer.js';
import { ShieldsEndpointDto } from './badges.dto.js';

/** Image proxies (GitHub's camo) and browsers keep a badge this long: briefly, so a README follows the DAG. */
const BADGE_CACHE_CONTROL = 'max-age=10';

const LABEL_QUERY = {
  name: 'label',
  required: false,
  description: `The badge's label instead of the DAG id: 1 to ${BADGE_LABEL_MAX} printable characters`,
  // No control characters (C0, DEL, C1), as the pipe checks.
  schema: { type: 'string', minLength: 1, maxLength: BADGE_LABEL_MAX, pattern: '^[^\\u0000-\\u001F\\u007F-\\u009F]+$' },
} as const;

const METRIC_QUERY = {
  name: 'metric',
  required: false,
  description:
    'A reliability badge instead of the status: `success_<window>` (success ratio) or `on_time_<window>` (on-time ratio) over a window of RELIABILITY_WINDOWS, e.g. `success_30d`, showing "99.2 %" (README "Reliability"); a window it does not list shows "no <window> window"',
  schema: { type: 'string', pattern: '^(success|on_time)_\\d{1,6}[mhd]$', example: 'success_30d' },
} as const;

/** Status badges for READMEs and wikis: always an answer while the DAG is allowed, "unknown" while Airflow cannot be read. */
@PublicBadge()
@ApiTags('Badges')
@ApiBadRequestResponse({ description: 'The DAG id or label is malformed', type: ErrorDto })
@ApiNotFoundResponse({ description: 'The DAG is not in ALLOWED_DAG_IDS', type: ErrorDto })
@Controller('api/dags')
export class BadgesController {
  constructor(
    private readonly status: DagStatusService,
    private readonly reliability: ReliabilityService,
  ) {}

  /** The status badge, or with `metric` the reliability one (its default label says which figure it is). */
  private async badge(dagId: string, label: string | undefined, metric: BadgeMetric | undefined): Promise<Badge> {
    const overview = await this.status.overview(dagId);
    if (metric === undefined) return badgeOf(overview, label ?? dagId);
    const name = label ?? `${dagId} ${metric.name.replace('_', ' ').replace('on time', 'on-time')}`;
    return reliabilityBadgeOf(overview, this.reliability.peek(dagId), metric, name);
  }

  @Get(':dagId/badge.svg')
  @ApiOperation({
    summary: "A DAG's status badge (SVG, shields.io flat style)",
    description:
      'Message: success, failed, running, queued, stale, no runs, or unknown while Airflow cannot be read; coloured by it. With `metric`, a reliability ratio such as "99.2 %". ETag and a short Cache-Control max-age.',
  })
  @ApiParam(DAG_ID_PARAM)
  @ApiQuery(LABEL_QUERY)
  @ApiQuery(METRIC_QUERY)
  @ApiProduces('image/svg+xml')
  @ApiOkResponse({ description: 'The badge', schema: { type: 'string' } })
  async svg(
    @Param('dagId', DagIdPipe) dagId: string,
    @Query('label', BadgeLabelPipe) label: string | undefined,
    @Query('metric', BadgeMetricPipe) metric: BadgeMetric | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const svg = await renderBadgeSvg(await this.badge(dagId, label, metric));
    // Set only on success: an error keeps the JSON error shape.
    res.setHeader('Content-Type', 'image/svg+xml; charset=utf-8');
    res.setHeader('Cache-Control', BADGE_CACHE_CONTROL);
    // An SVG opened on its own is a document: it may not run or load anything.
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    // A badge is meant to be shown on other sites' pages (a wiki, a dashboard): not only on ours.
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    return svg;
  }

  @Get(':dagId/badge.json')
  @ApiOperation({
    summary: "A DAG's status as a shields.io endpoint badge",
    description: 'For https://img.shields.io/endpoint?url=…: schemaVersion, label, message, color, isError.',
  })
  @ApiParam(DAG_ID_PARAM)
  @ApiQuery(LABEL_QUERY)
  @ApiQuery(METRIC_QUERY)
  @ApiOkResponse({ type: ShieldsEndpointDto })
  async json(
    @Param('dagId', DagIdPipe) dagId: string,
    @Query('label', BadgeLabelPipe) label: string | undefined,
    @Query('metric', BadgeMetricPipe) metric: BadgeMetric | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ShieldsEndpointDto> {
    const badge = await this.badge(dagId, label, metric);
    res.setHeader('Cache-Control', BADGE_CACHE_CONTROL);
    return { schemaVersion: 1, ...badge };
  }
}
