// Loaded into the service under test (NODE_OPTIONS=--import) by sse-memory.mjs: a second listener,
// on a port of its own, that answers what process.memoryUsage() and V8 say, after a full GC when
// asked (`?gc=1`, needs --expose-gc), and writes a heap snapshot (`/snapshot?file=…`). Never in
// the product: an experiment's window into the process.
import http from 'node:http';
import v8 from 'node:v8';

const port = Number(process.env.SSE_PROBE_PORT);
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://probe');
  if (url.searchParams.get('gc') === '1' && typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
  if (url.pathname === '/snapshot') {
    const file = v8.writeHeapSnapshot(url.searchParams.get('file') ?? undefined);
    res.end(JSON.stringify({ file }));
    return;
  }
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]),
  );
  const report = process.report.getReport();
  const handles = {};
  for (const h of report.libuv) handles[h.type] = (handles[h.type] ?? 0) + 1;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ memory: process.memoryUsage(), spaces, handles, malloced: v8.getHeapStatistics().malloced_memory }));
});
server.unref();
server.listen(port, '127.0.0.1');
