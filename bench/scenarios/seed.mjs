// The seed's design: Flask's built-in server, one Airflow call per page view. A failure to set it
// up is a result (the error), not a broken harness.
import { measure } from '../lib/measure.mjs';
import { stop } from '../lib/processes.mjs';
import { startSeedApp } from '../lib/seed-app.mjs';

export async function measureSeed(ctx) {
  let versions = null;
  const rows = [];
  try {
    const app = await startSeedApp(ctx);
    versions = app.versions;
    const pid = app.child.pid;
    rows.push(
      await measure(ctx.airflow, {
        id: 'seed-success',
        label: 'seed design: Flask /success',
        url: `${app.base}/success`,
        note: 'app.run(threaded=True)',
        expect: 200,
        pid,
        // The seed's app calls the stand-in without a client prefix.
        client: '',
      }),
    );
    rows.push(
      await measure(ctx.airflow, {
        id: 'seed-root',
        label: 'seed design: Flask / (redirect)',
        url: `${app.base}/`,
        expect: 302,
        pid,
        client: '',
      }),
    );
    await stop(app.child);
    return { versions, rows };
  } catch (error) {
    process.stderr.write(`seed Flask app: ${error.message}\n`);
    return { versions, rows, error: error.message };
  }
}
