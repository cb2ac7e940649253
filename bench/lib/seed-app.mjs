// The seed's Flask design (bench/seed_flask_app.py), in a venv made on first run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, track, waitHttp } from './processes.mjs';
import { BENCH, DAG_ID, harness } from './settings.mjs';

/** bench/.venv with bench/requirements.txt, (re)made when the requirements changed; resolves to its python. */
function ensureVenv() {
  const venv = path.join(BENCH, '.venv');
  const py = path.join(venv, 'bin', 'python');
  const stamp = path.join(venv, '.requirements');
  const wanted = readFileSync(path.join(BENCH, 'requirements.txt'), 'utf8');
  if (existsSync(py) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return py;
  process.stderr.write("• creating bench/.venv for the seed's Flask app (first run)…\n");
  let r = spawnSync(harness.python, ['-m', 'venv', venv], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${harness.python} -m venv failed`);
  r = spawnSync(py, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', path.join(BENCH, 'requirements.txt')], {
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('pip install -r bench/requirements.txt failed');
  writeFileSync(stamp, wanted);
  return py;
}

function versions(py) {
  const r = spawnSync(
    py,
    [
      '-c',
      'import sys, flask, werkzeug, requests; from importlib.metadata import version as v; print(sys.version.split()[0], v("flask"), v("werkzeug"), requests.__version__)',
    ],
    { encoding: 'utf8' },
  );
  const [python, flask, werkzeug, requests] = r.stdout.trim().split(' ');
  return { python, flask, werkzeug, requests };
}

/** Starts the Flask app against the stand-in Airflow; resolves once its /health answers. */
export async function startSeedApp({ airflowUrl, workDir }) {
  const py = ensureVenv();
  const port = await freePort();
  const child = track(
    spawn(py, [path.join(BENCH, 'seed_flask_app.py')], {
      env: { ...process.env, FLASK_PORT: String(port), AIRFLOW_WEBSERVER: airflowUrl, TARGET_DAG_ID: DAG_ID, PYTHONUNBUFFERED: '1' },
      // Werkzeug logs one line per request to stderr, as the seed's server does; kept, into a file.
      stdio: ['ignore', 'ignore', openSync(path.join(workDir, 'seed-flask.log'), 'w')],
    }),
    'seed Flask',
  );
  const base = `http://127.0.0.1:${port}`;
  await waitHttp(`${base}/health`, { child });
  return { child, base, versions: versions(py) };
}
