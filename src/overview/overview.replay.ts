import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpReplay, isPathOf, type ReplayableRoute } from '../http/http.replay.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OverviewService } from './overview.service.js';
import type { OverviewSource } from './overview.types.js';

/** Characters of recordings, one per query: 1,000 DAGs unpaged are ~2.5 MB. */
const BUDGET = 8 * 2 ** 20;

/**
 * `GET /api/dags` replayed while the URL (filters, page) and the overviews' source stay: the JSON says
 * only what the snapshots do (fetched_at among it; an explanation's age is fixed at its DAG's revision),
 * so unlike /dags it does not move with the clock. HttpReplay leaves HEAD, conditional requests and
 * those the access policy refuses to Nest.
 */
@Injectable()
export class OverviewReplay implements ReplayableRoute<OverviewSource>, OnModuleInit {
  readonly route = '/api/dags';
  readonly budget = BUDGET;

  constructor(
    private readonly overviews: OverviewService,
    private readonly metrics: MetricsService,
    private readonly replay: HttpReplay,
  ) {}

  onModuleInit(): void {
    this.replay.register(this);
  }

  /** `/api/dags/`, `/API/DAGS` and the per-DAG routes are not this route's, or not in the form it keeps. */
  sourceOf(url: string): OverviewSource | undefined {
    return isPathOf(url, this.route) ? this.overviews.source() : undefined;
  }

  /** A replay reads the mirror as the route does: a hit of its cache. */
  replayed(): void {
    this.metrics.recordCacheLookup(true);
  }
}
