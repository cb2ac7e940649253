// EXPERIMENT (scratch copy only; copied into dist/ by apply.py): answer GET /api/dags/{dagId}/status from a fresh cache entry directly on
// node:http's 'request' event, before Express and Nest, with the same headers and body.
import { randomUUID } from 'node:crypto';
import etag from 'etag';
import { DagStatusService } from './dag-status/dag-status.service.js';
import { DagStatusDto } from './dag-status/dag-status.dto.js';
import { MetricsService } from './metrics/metrics.service.js';
import { writeAccessLine } from './http/request-observer.middleware.js';
import { INSTANCE_HEADER, InstanceIdentity } from './lifecycle/instance.identity.js';

const STATUS_URL = /^\/api\/dags\/([A-Za-z0-9._-]{1,250})\/status$/;
const INCOMING_ID = /^[A-Za-z0-9._-]{1,128}$/;
const ROUTE = '/api/dags/:dagId/status';

export function installFastPath(app) {
    const server = app.getHttpServer();
    const status = app.get(DagStatusService);
    const metrics = app.get(MetricsService);
    const cache = status.cache;
    const instance = app.get(InstanceIdentity).header;
    const logOn = ['log', 'debug', 'verbose'].includes(process.env.LOG_LEVEL ?? 'log');
    // EXP_FP_BATCH_LOG: access-log lines gathered and written once per event-loop turn (one write, not one per request).
    const batchLog = !!process.env.EXP_FP_BATCH_LOG;
    const minimal = !!process.env.EXP_FP_MINIMAL;
    let pending = '';
    const flush = () => { const out = pending; pending = ''; process.stdout.write(out); };
    const log = (line) => {
        if (!batchLog) return writeAccessLine(line);
        if (pending === '') setImmediate(flush);
        pending += `{"level":"log","pid":${process.pid},"timestamp":${Date.now()},"message":"request","context":"HTTP",${JSON.stringify(line).slice(1)}\n`;
    };
    // EXP_FP_BOUND_METRICS: prom-client children bound once to the route's labels, instead of a labels object per call.
    const bound = process.env.EXP_FP_BOUND_METRICS ? {
        requests: metrics.httpRequests.labels('GET', ROUTE, '200'),
        duration: metrics.httpDuration.labels('GET', ROUTE, '200'),
        hits: metrics.cacheLookups.labels('hit'),
    } : null;
    const withEtag = !process.env.EXP_NO_ETAG;
    const [express] = server.listeners('request');
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
        if (req.method !== 'GET' || req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined) return express(req, res);
        const m = STATUS_URL.exec(req.url);
        const entry = m && cache.peek(`${m[1]}\n1`);
        if (!entry) return express(req, res);
        const started = performance.now();
        if (entry.body === undefined) {
            const { runs, fetchedAt } = entry.value;
            entry.body = Buffer.from(JSON.stringify(DagStatusDto.from({ dagId: m[1], run: runs[0] ?? null, fetchedAt })));
            entry.etag = etag(entry.body, { weak: true });
        }
        const incoming = req.headers['x-request-id'];
        const requestId = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : minimal ? 'fixed' : randomUUID();
        const headers = {
            'X-Request-Id': requestId,
            'X-Content-Type-Options': 'nosniff',
            'X-Frame-Options': 'DENY',
            'Referrer-Policy': 'no-referrer',
            'Cross-Origin-Opener-Policy': 'same-origin',
            'Cross-Origin-Resource-Policy': 'same-origin',
            [INSTANCE_HEADER]: instance,
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Length': entry.body.length,
        };
        if (withEtag) headers.ETag = entry.etag;
        res.writeHead(200, headers);
        res.end(entry.body);
        // EXP_FP_MINIMAL: no metrics, no log line, no random id (measurement only: what the process itself costs).
        if (minimal) return;
        if (bound) bound.hits.inc(); else metrics.recordCacheLookup(true);
        const seconds = (performance.now() - started) / 1000;
        if (bound) { bound.requests.inc(); bound.duration.observe(seconds); } else metrics.recordHttp('GET', ROUTE, 200, seconds);
        if (logOn) log({ request_id: requestId, method: 'GET', path: req.url, route: ROUTE, status: 200, duration_ms: Math.round(seconds * 10_000) / 10 });
    });
}
