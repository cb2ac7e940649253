// Start to listening: spawn → first 200 from /health/live, `settings.starts` times.
import { stop } from '../lib/processes.mjs';
import { startService } from '../lib/service.mjs';
import { settings } from '../lib/settings.mjs';

export async function measureStarts(ctx) {
  const ms = [];
  for (let i = 0; i < settings.starts; i++) {
    const service = await startService(ctx, `start-${i}`);
    ms.push(service.startMs);
    await stop(service.child);
  }
  process.stderr.write(`• start→listening: ${ms.map((x) => Math.round(x)).join(', ')} ms\n`);
  return { ms };
}
