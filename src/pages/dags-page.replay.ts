import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpReplay, type ReplayableRoute } from '../http/http.replay.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';

/** The second: the page shows ages and durations to the second. */
export interface DagsPageSource {
  readonly dagIds: readonly string[];
  readonly snapshots: readonly DagSnapshot[];
  readonly second: number;
  readonly expiresAt: number;
}

/** Characters of recordings, one per query: a page of 1,000 rows is ~3.6 MB. */
const BUDGET = 8 * 2 ** 20;

/**
 * `GET /dags` replayed while the URL (filters, page), every watched DAG's snapshot and the second stay.
 * Who asks does not change the page; HttpReplay leaves a request the access policy refuses to Nest.
 */
@Injectable()
export class DagsPageReplay implements ReplayableRoute<DagsPageSource>, OnModuleInit {
  readonly route = '/dags';
  readonly budget = BUDGET;
  private last: DagsPageSource | undefined;

  constructor(
    private readonly store: MirrorStore,
    private readonly metrics: MetricsService,
    private readonly replay: HttpReplay,
  ) {}

  onModuleInit(): void {
    this.replay.register(this);
  }

  /** A DAG not read yet, a mirror due to sync (or no DAG to tell), `/dags/` or `/DAGS`: Nest's to answer. */
  sourceOf(url: string): DagsPageSource | undefined {
    if (!url.startsWith('/dags') || (url.length > 5 && url[5] !== '?')) return undefined;
    const now = Date.now();
    const second = Math.floor(now / 1000);
    const dagIds = this.store.allowedDagIds;
    const last = this.last;
    if (last?.dagIds === dagIds && last.second === second && dagIds.every((dagId, i) => this.store.current(dagId) === last.snapshots[i])) {
      return now < last.expiresAt ? last : undefined;
    }
    const snapshots: DagSnapshot[] = [];
    let expiresAt = Infinity;
    for (const dagId of dagIds) {
      const snapshot = this.store.current(dagId);
      if (snapshot === undefined) return undefined;
      snapshots.push(snapshot);
      expiresAt = Math.min(expiresAt, snapshot.expiresAt);
    }
    if (snapshots.length === 0 || now >= expiresAt) return undefined;
    return (this.last = { dagIds, snapshots, second, expiresAt });
  }

  /** A replay reads the mirror as the route does: a hit of its cache. */
  replayed(): void {
    this.metrics.recordCacheLookup(true);
  }
}
