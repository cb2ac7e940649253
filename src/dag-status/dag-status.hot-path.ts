import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpFastLane, type FastAnswer, type FastRoute } from '../http/http.fast-lane.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { cacheControlFor, DagStatusStore } from './dag-status.store.js';

/** The status route as Nest names it, so that answers from either path share one metric label. */
const DAG_STATUS_ROUTE = '/api/dags/:dagId/status';
/** Only the plain form; anything else (a query, %-escapes, a trailing slash, other case) goes to Nest. */
const STATUS_PATH = /^\/api\/dags\/([^/?%]+)\/status$/;

/**
 * `GET /api/dags/{dagId}/status` from the store's fresh snapshot, on the HTTP
 * fast lane: the same bytes as the Nest route (test/fast-path.e2e-spec.ts
 * compares them), made once per snapshot by the store. A DAG not read yet,
 * expired, failed or not allowed goes to Nest, which reads Airflow or answers
 * the error.
 */
@Injectable()
export class DagStatusHotPath implements FastRoute, OnModuleInit {
  readonly route = DAG_STATUS_ROUTE;

  constructor(
    private readonly store: DagStatusStore,
    private readonly metrics: MetricsService,
    private readonly fastLane: HttpFastLane,
  ) {}

  onModuleInit(): void {
    this.fastLane.register(this);
  }

  answer(url: string): FastAnswer | undefined {
    const match = STATUS_PATH.exec(url);
    const snapshot = match === null ? undefined : this.store.peek(match[1]);
    if (snapshot?.json == null) return undefined;
    this.metrics.recordCacheLookup(true);
    const { body, etag, length } = snapshot.json;
    return {
      headers: [
        'Cache-Control',
        cacheControlFor(snapshot),
        'Content-Type',
        'application/json; charset=utf-8',
        'Content-Length',
        length,
        'ETag',
        etag,
      ],
      body,
    };
  }
}
