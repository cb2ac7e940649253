// The ceiling (a bare node:http server answering the very bytes of the status answer), the cached
// status at the default LOG_LEVEL and at LOG_LEVEL=warn, in alternating slices.
import path from 'node:path';
import { statSync } from 'node:fs';
import { measureAlternating } from '../lib/measure.mjs';
import { startListener, stop } from '../lib/processes.mjs';
import { startService } from '../lib/service.mjs';
import { BENCH, settings, STATUS_PATH, want } from '../lib/settings.mjs';

export async function measureCachedStatus(ctx) {
  const { service, airflow } = ctx;
  const statusUrl = `${service.base}${STATUS_PATH}`;
  const res = await fetch(statusUrl);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${STATUS_PATH} answered ${res.status}: ${body}`);

  const ceiling = await startListener('ceiling', process.execPath, [path.join(BENCH, 'ceiling-server.mjs'), '0'], {
    BODY_B64: body.toString('base64'),
  });
  const quiet = want('warn') ? await startService(ctx, 'warn', { LOG_LEVEL: 'warn' }) : null;
  const logBytesBefore = statSync(service.logFile).size;
  const label = `service ${STATUS_PATH} (cached)`;
  const rows = await measureAlternating(airflow, [
    {
      id: 'ceiling',
      label: 'ceiling: bare node:http, fixed JSON',
      url: `http://127.0.0.1:${ceiling.port}/`,
      note: `${body.length}-byte body`,
      pid: ceiling.child.pid,
    },
    { id: 'status', label, url: statusUrl, note: 'LOG_LEVEL=log', expect: 200, pid: service.child.pid, client: service.client },
    ...(quiet
      ? [
          {
            id: 'status-warn',
            label,
            url: `${quiet.base}${STATUS_PATH}`,
            note: 'LOG_LEVEL=warn',
            expect: 200,
            pid: quiet.child.pid,
            client: quiet.client,
          },
        ]
      : []),
  ]);
  // The log grew over the warm-up too: counted as that share of the measured requests.
  const status = rows[1];
  const logBytesPerRequest =
    (statSync(service.logFile).size - logBytesBefore) / (status.requests * (1 + settings.warmupS / settings.durationS));
  await stop(ceiling.child);
  if (quiet) await stop(quiet.child);
  return { bodyBytes: body.length, rows, logBytesPerRequest };
}
