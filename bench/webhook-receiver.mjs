// A webhook receiver for the notification rows: node:http on 127.0.0.1, in its own process (its clock
// and event loop are not the harness's). It verifies nothing (signatures are the tests' business): it
// notes what arrives, in the order it arrives, and answers 204 after RECEIVER_DELAY_MS (a slow receiver).
//   POST <any other path>        a notification: noted as { seq, at, path, id, type, dagId, runId, bytes }, read
//                                from the headers and the CloudEvent's attributes (`data.last_finished.run_id`)
//   GET  /__received?from=N      the arrivals from the Nth (0-based) on, and the most requests in flight at once
// Usage: node bench/webhook-receiver.mjs [port]   (port 0 = any; prints `LISTENING <port>` when ready)
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const delayMs = Number(process.env.RECEIVER_DELAY_MS ?? 0);
/** The harness's clock (bench/stand-in-airflow.mjs and bench/lib/sse.mjs use the same one). */
const clock = () => performance.timeOrigin + performance.now();

const arrivals = [];
let inFlight = 0;
let peakInFlight = 0;

function send(res, status, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** What one notification says, as far as ordering and counting need it; a body that is not JSON is noted as such. */
function describe(headers, text) {
  let event = null;
  try {
    event = JSON.parse(text);
  } catch {
    /* noted with nulls: the harness counts it as unexpected */
  }
  return {
    id: headers['webhook-id'] ?? event?.id ?? null,
    type: typeof event?.type === 'string' ? event.type.replace(/^airflow-status-api\.dag\./, '') : null,
    dagId: event?.subject ?? null,
    runId: event?.data?.last_finished?.run_id ?? null,
    signed: typeof headers['webhook-signature'] === 'string',
  };
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'GET' && url.pathname === '/__received') {
    const from = Number(url.searchParams.get('from') ?? 0);
    return send(res, 200, { total: arrivals.length, peakInFlight, arrivals: arrivals.slice(from) });
  }
  inFlight += 1;
  peakInFlight = Math.max(peakInFlight, inFlight);
  res.once('close', () => (inFlight -= 1));
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    // Arrived: the whole body is in, before the answer's wait.
    const at = clock();
    const text = Buffer.concat(chunks).toString('utf8');
    arrivals.push({ seq: arrivals.length, at, path: url.pathname, bytes: Buffer.byteLength(text), ...describe(req.headers, text) });
    if (delayMs > 0) setTimeout(() => send(res, 204), delayMs);
    else send(res, 204);
  });
});

server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`LISTENING ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
