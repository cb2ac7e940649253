// The service under test: `node dist/main.js` of BENCH_SERVICE_DIR (or `serviceDir`), as deployed, against the stand-in Airflow (or a real one).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { nodeFlagsOf, rssMb } from './proc-stats.mjs';
import { freePort, track, waitHttp } from './processes.mjs';
import { DAG_ID, harness, settings } from './settings.mjs';

/**
 * Starts the service on a free port, its output into `<workDir>/service-<label>.log` (as a
 * container runtime would take it); resolves once /health/live answers. Against the stand-in it
 * reaches Airflow through the prefix `/c/<label>` (as through a proxy), so its calls are counted
 * apart from those of any other service running meanwhile: `client` names them. `serviceDir`:
 * another build; `realAirflow`: no prefix (bench/real-airflow.mjs runs the previous design's beside this one).
 */
export async function startService({ airflowUrl, workDir, serviceDir = harness.serviceDir, realAirflow = false }, label, extraEnv = {}) {
  const port = await freePort();
  const logFile = path.join(workDir, `service-${label}.log`);
  const fd = openSync(logFile, 'w');
  const env = {
    ...process.env,
    FLASK_PORT: String(port),
    HOST: '127.0.0.1',
    AIRFLOW_WEBSERVER: realAirflow ? airflowUrl : `${airflowUrl}/c/${encodeURIComponent(label)}`,
    TARGET_DAG_ID: DAG_ID,
    STATUS_CACHE_TTL_MS: String(settings.ttlMs),
    AIRFLOW_AUTH: 'auto',
    ...extraEnv,
  };
  // The default level unless asked for: a LOG_LEVEL of the caller's shell must not leak in.
  if (!extraEnv.LOG_LEVEL) delete env.LOG_LEVEL;
  // Node flags for the service alone (e.g. --max-semi-space-size=2), never for the harness or load generator.
  if (harness.serviceNodeOptions) env.NODE_OPTIONS = harness.serviceNodeOptions;
  else delete env.NODE_OPTIONS;
  const nodeFlags = harness.serviceNodeFlags;
  const started = performance.now();
  const child = track(
    spawn(process.execPath, [...nodeFlags, path.join(serviceDir, 'dist/main.js')], {
      cwd: serviceDir,
      env,
      stdio: ['ignore', fd, fd],
    }),
    `service(${label})`,
  );
  closeSync(fd);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${base}/health/live`, { child });
  } catch (error) {
    throw new Error(`${error.message}\n--- ${logFile} ---\n${readFileSync(logFile, 'utf8').slice(-2000)}`, { cause: error });
  }
  return {
    child,
    base,
    client: label,
    logFile,
    // What it runs with: the entry adds its flags to what it was given (see settings.mjs).
    nodeFlags: nodeFlagsOf(child.pid) ?? nodeFlags,
    nodeOptions: env.NODE_OPTIONS,
    startMs: performance.now() - started,
    rssAtStart: rssMb(child.pid),
  };
}
