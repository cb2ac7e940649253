import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpReplay, type ReplayableRoute } from '../http/http.replay.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import { cacheControlFor } from './dag-status.cache.js';

/** Only the plain form; anything else (a query, %-escapes, a trailing slash) is Nest's to answer. */
const STATUS_PATH = /^\/api\/dags\/([^/?%]+)\/status$/;

/**
 * `GET /api/dags/{dagId}/status` replayed while the DAG's snapshot is fresh, successful and the
 * same (the mirror makes a new one at each change and each sync).
 */
@Injectable()
export class DagStatusReplay implements ReplayableRoute<DagSnapshot>, OnModuleInit {
  readonly route = '/api/dags/:dagId/status';
  readonly liveHeader = { name: 'Cache-Control', valueOf: cacheControlFor };

  constructor(
    private readonly store: MirrorStore,
    private readonly metrics: MetricsService,
    private readonly replay: HttpReplay,
  ) {}

  onModuleInit(): void {
    this.replay.register(this);
  }

  sourceOf(url: string): DagSnapshot | undefined {
    const match = STATUS_PATH.exec(url);
    return match === null ? undefined : this.store.peek(match[1]);
  }

  /** A replay reads the mirror as the route does: a hit of its cache. */
  replayed(): void {
    this.metrics.recordCacheLookup(true);
  }
}
