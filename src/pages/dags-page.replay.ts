import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpReplay, isPathOf, type ReplayableRoute } from '../http/http.replay.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OverviewService } from '../overview/overview.service.js';
import type { OverviewSource } from '../overview/overview.types.js';

/** The second: the page shows ages and durations to the second. */
export interface DagsPageSource {
  readonly overview: OverviewSource;
  readonly second: number;
}

/** Characters of recordings, one per query: a page of 1,000 rows is ~3.6 MB. */
const BUDGET = 8 * 2 ** 20;

/**
 * `GET /dags` replayed while the URL (filters, page), the overviews' source and the second stay.
 * Who asks does not change the page; HttpReplay leaves a request the access policy refuses to Nest.
 */
@Injectable()
export class DagsPageReplay implements ReplayableRoute<DagsPageSource>, OnModuleInit {
  readonly route = '/dags';
  readonly budget = BUDGET;
  private last: DagsPageSource | undefined;

  constructor(
    private readonly overviews: OverviewService,
    private readonly metrics: MetricsService,
    private readonly replay: HttpReplay,
  ) {}

  onModuleInit(): void {
    this.replay.register(this);
  }

  /** A DAG not read yet, a mirror due to sync (or no DAG to tell), `/dags/` or `/DAGS`: Nest's to answer. */
  sourceOf(url: string): DagsPageSource | undefined {
    if (!isPathOf(url, this.route)) return undefined;
    const now = Date.now();
    const overview = this.overviews.source(now);
    if (overview === undefined) return undefined;
    const second = Math.floor(now / 1000);
    if (this.last?.overview !== overview || this.last.second !== second) this.last = { overview, second };
    return this.last;
  }

  /** A replay reads the mirror as the route does: a hit of its cache. */
  replayed(): void {
    this.metrics.recordCacheLookup(true);
  }
}
