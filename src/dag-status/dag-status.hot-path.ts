import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpFastLane, type FastAnswer, type FastRoute } from '../http/http.fast-lane.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import { maxAgeOf } from './dag-status.cache.js';
import { DagStatusService } from './dag-status.service.js';

/** The status route as Nest names it, so that answers from either path share one metric label. */
const DAG_STATUS_ROUTE = '/api/dags/:dagId/status';
/** Only the plain form; anything else (a query, %-escapes, a trailing slash, other case) goes to Nest. */
const STATUS_PATH = /^\/api\/dags\/([^/?%]+)\/status$/;

/** The answer made from one snapshot, and the Cache-Control it carries now. */
interface Prepared {
  readonly snapshot: DagSnapshot;
  readonly answer: FastAnswer;
  /** Where the Cache-Control value sits in the answer's header list. */
  readonly cacheControlSlot: number;
  maxAge: number;
}

/**
 * `GET /api/dags/{dagId}/status` from the store's fresh snapshot, on the HTTP
 * fast lane: the same bytes as the Nest route (test/fast-path.e2e-spec.ts
 * compares them), made once per snapshot. A DAG not read yet,
 * expired, failed or not allowed goes to Nest, which reads Airflow or answers
 * the error.
 */
@Injectable()
export class DagStatusHotPath implements FastRoute, OnModuleInit {
  readonly route = DAG_STATUS_ROUTE;
  /** Per DAG, the answer made from its current snapshot: made again only when the store reads anew. */
  private readonly prepared = new Map<string, Prepared>();

  constructor(
    private readonly status: DagStatusService,
    private readonly metrics: MetricsService,
    private readonly fastLane: HttpFastLane,
  ) {}

  onModuleInit(): void {
    this.fastLane.register(this);
  }

  answer(url: string): FastAnswer | undefined {
    const match = STATUS_PATH.exec(url);
    const found = match === null ? undefined : this.status.peekStatus(match[1]);
    if (found === undefined) return undefined;
    const { snapshot } = found;
    this.metrics.recordCacheLookup(true);
    let prepared = this.prepared.get(snapshot.dagId);
    if (prepared?.snapshot !== snapshot) {
      const { body, etag, length } = found.json;
      const answer = this.fastLane.prepare(
        ['Cache-Control', '', 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', length, 'ETag', etag],
        body,
      );
      prepared = { snapshot, answer, cacheControlSlot: answer.headers.indexOf('Cache-Control') + 1, maxAge: -1 };
      this.prepared.set(snapshot.dagId, prepared);
    }
    // The max-age counts down with the snapshot's life: its text is made again once a second, not per request.
    const maxAge = maxAgeOf(snapshot);
    if (maxAge !== prepared.maxAge) {
      prepared.maxAge = maxAge;
      prepared.answer.headers[prepared.cacheControlSlot] = `max-age=${maxAge}`;
    }
    return prepared.answer;
  }
}
