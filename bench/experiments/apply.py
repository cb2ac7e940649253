#!/usr/bin/env python3
"""Experiments on a SCRATCH COPY of the built service (never on the repo's own dist/).

    python3 bench/experiments/apply.py /tmp/exp      # /tmp/exp: a copy of the repo with dist/ built

Patches the copy's compiled dist/ with switches read from the environment, so one build serves
every experiment (bench/experiments/ab.mjs runs them side by side):
  EXP_NO_ETAG=1     app.set('etag', false)
  EXP_FAST_LOG=1    the access-log line written as one pre-shaped JSON string (same bytes as AppLogger's)
  EXP_CHEAP_ID=1    request ids: a per-process random prefix + a counter instead of randomUUID()
  EXP_NO_ALS=1      no AsyncLocalStorage.run per request (log lines lose request_id: measurement only)
  EXP_NO_METRICS=1  no prom-client recordHttp per request (measurement only)
  EXP_FASTPATH=1    dist/fast-path.js: cached GET /api/dags/{id}/status answered on node:http's
                    'request' event before Express/Nest, same headers, body, metrics and log line;
                    with it, EXP_FP_BATCH_LOG=1 (log lines written once per event-loop turn) and
                    EXP_FP_BOUND_METRICS=1 (prom-client children bound once to the route's labels)
"""
import shutil
import sys
from pathlib import Path

root = Path(sys.argv[1]) / 'dist'
here = Path(__file__).resolve().parent


def patch(rel, old, new):
    p = root / rel
    s = p.read_text()
    if new in s:
        return
    assert s.count(old) == 1, f'{rel}: expected one {old!r}, found {s.count(old)}'
    p.write_text(s.replace(old, new))


patch('app.setup.js', "    express.disable('x-powered-by');\n",
      "    express.disable('x-powered-by');\n    if (process.env.EXP_NO_ETAG) express.set('etag', false);\n")

patch('http/request-observer.middleware.js', "const CHATTER = /^\\/(health(\\/|$)|metrics$)/;\n", """const CHATTER = /^\\/(health(\\/|$)|metrics$)/;
const EXP = { cheapId: !!process.env.EXP_CHEAP_ID, noAls: !!process.env.EXP_NO_ALS, fastLog: !!process.env.EXP_FAST_LOG, noMetrics: !!process.env.EXP_NO_METRICS };
const LOG_ON = ['log', 'debug', 'verbose'].includes(process.env.LOG_LEVEL ?? 'log');
const ID_PREFIX = randomUUID().slice(0, 24);
let idSeq = 0;
/** One access-log line, byte for byte what AppLogger (ConsoleLogger json) writes for logger.log('request', line). */
export function writeAccessLine(line) {
    process.stdout.write(`{"level":"log","pid":${process.pid},"timestamp":${Date.now()},"message":"request","context":"HTTP",${JSON.stringify(line).slice(1)}\\n`);
}
""")
patch('http/request-observer.middleware.js', ": randomUUID();",
      ": (EXP.cheapId ? ID_PREFIX + (++idSeq).toString(16).padStart(12, '0') : randomUUID());")
patch('http/request-observer.middleware.js',
      "            this.metrics.recordHttp(req.method, route, res.statusCode, seconds);\n            this.logger.log('request', line);",
      """            if (!EXP.noMetrics) this.metrics.recordHttp(req.method, route, res.statusCode, seconds);
            if (EXP.fastLog) { if (LOG_ON) writeAccessLine(line); }
            else this.logger.log('request', line);""")
patch('http/request-observer.middleware.js', "        requestContext.run({ requestId }, next);",
      "        if (EXP.noAls) next(); else requestContext.run({ requestId }, next);")

# The cache remembers its settled value so the fast path can read it without awaiting.
patch('cache/single-flight.cache.js', "        fresh.promise.then(settle, settle);",
      "        fresh.promise.then((value) => { fresh.value = value; fresh.fulfilled = true; settle(); }, settle);")
patch('cache/single-flight.cache.js', "    clear() {", """    /** The fresh, fulfilled entry for key, or undefined (no await: for the fast path). */
    peek(key) {
        const entry = this.entries.get(key);
        return entry && entry.fulfilled && Date.now() < entry.expiresAt ? entry : undefined;
    }
    clear() {""")

shutil.copy(here / 'fast-path.js', root / 'fast-path.js')
patch('main.js', "import { AppLogger } from './logging/app.logger.js';",
      "import { AppLogger } from './logging/app.logger.js';\nimport { installFastPath } from './fast-path.js';")
patch('main.js', "    setupApp(app);\n", "    setupApp(app);\n    if (process.env.EXP_FASTPATH) installFastPath(app);\n")
print(f'patched {root}')
