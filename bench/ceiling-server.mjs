// The ceiling: a bare node:http server answering one fixed JSON body (base64 in BODY_B64, so it can
// be byte-for-byte the service's status answer) to every request.
// Usage: BODY_B64=... node bench/ceiling-server.mjs [port]   (prints `LISTENING <port>` when ready)
import http from 'node:http';

const body = Buffer.from(process.env.BODY_B64 ?? Buffer.from('{"ok":true}').toString('base64'), 'base64');
const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) };
const server = http.createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => process.stdout.write(`LISTENING ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
