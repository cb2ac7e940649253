#!/usr/bin/env node
// `npm run compat -- [--lock] <version>...`: the real-Airflow suites (test/real-airflow) against each
// given Apache Airflow version, side by side with the pinned one, then a version × check table.
//
// Each version gets its own venv and homes under the git-ignored .airflow/compat/<version>/, its own
// ports (8180, 8190, ... and +1 for the FAB auth manager; never 8080/8081, which CI and the demo use),
// and installs from a lock: scripts/airflow/requirements.txt for the pinned version,
// scripts/airflow/compat/<version>.txt otherwise, frozen from compat/<version>.in with nothing published
// after its "# exclude-newer:" time (a new version gets the end of the day it was published, UTC, so
// that its lock holds what its users got then, not today's packages; --lock re-freezes).
// The table goes to stdout and to .airflow/compat/report.md; each version's logs stay in its folder.
// When an Airflow does not come up, the note says why: its server's last error lines.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const airflowSh = `${root}scripts/airflow/airflow.sh`;
const compatDir = `${root}scripts/airflow/compat`;
const outDir = `${root}.airflow/compat`;
// Clear of 8080/8081 (CI, demo) and of their log-server ports (8793/8794); 10 apart per version,
// from --port=N when given; a pair another program holds (another checkout's compat) is skipped.
const FIRST_PORT = Number(process.argv.find((a) => a.startsWith('--port='))?.slice(7) ?? 8180);
const PORT_STEP = 10;
const say = (text) => process.stdout.write(`[compat] ${text}\n`);

const args = process.argv.slice(2);
const relock = args.includes('--lock');
const versions = args.filter((a) => !a.startsWith('--'));
if (versions.length === 0 || versions.some((v) => !/^\d+\.\d+\.\d+$/.test(v))) {
  process.stderr.write('usage: npm run compat -- [--lock] [--port=8180] <airflow version>...   e.g. npm run compat -- 2.10.5 3.3.2\n');
  process.exit(2);
}
const pinned = /^apache-airflow==(\S+)/m.exec(readFileSync(`${root}scripts/airflow/requirements.in`, 'utf8'))?.[1];

/** The lock file to install `version` from, frozen first when it has none (or --lock). */
function lockFor(version) {
  if (version === pinned && !relock) return `${root}scripts/airflow/requirements.txt`;
  const input = `${compatDir}/${version}.in`;
  const lock = `${compatDir}/${version}.txt`;
  if (!existsSync(input)) {
    const until = endOfReleaseDay(version);
    const fab =
      Number(version.split('.')[0]) >= 3
        ? 'apache-airflow-providers-fab   # the FAB auth manager suite (test/real-airflow/fab.e2e-spec.ts)\n'
        : '';
    writeFileSync(
      input,
      `# Apache Airflow ${version} for npm run compat: resolved with nothing published after the end of its release day.\n# exclude-newer: ${until}\napache-airflow==${version}\n${fab}`,
    );
  }
  if (relock || !existsSync(lock)) {
    const date = /^# exclude-newer: (\S+)/m.exec(readFileSync(input, 'utf8'))?.[1];
    say(`freezing ${lock} (exclude-newer ${date})`);
    execFileSync('bash', [airflowSh, 'lock'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, AIRFLOW_REQUIREMENTS_IN: input, AIRFLOW_REQUIREMENTS: lock, AIRFLOW_EXCLUDE_NEWER: date },
    });
  }
  return lock;
}

/**
 * The end (UTC) of the day `apache-airflow==version` was published. Its own packages (core, task SDK)
 * go up within minutes of it; anything later, such as a pydantic that breaks its api-server, is left out.
 */
function endOfReleaseDay(version) {
  const published = execFileSync('bash', [airflowSh, 'published', `apache-airflow==${version}`], { cwd: root, encoding: 'utf8' }).trim();
  const day = new Date(published);
  day.setUTCHours(24, 0, 0, 0);
  return day.toISOString().replace('.000Z', 'Z');
}

/** Whether nothing listens on 127.0.0.1:`port`. */
function isFree(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** The first pair of ports (api-server, FAB api-server) from `from` on, in steps of PORT_STEP, that nothing holds. */
async function freePair(from) {
  for (let port = from; port < from + 100 * PORT_STEP; port += PORT_STEP) {
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
  throw new Error(`no free pair of ports from ${from}`);
}

/** Runs a command to completion with its output in `logFile`; resolves to its exit code and seconds. */
function runLogged(command, argv, env, logFile) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `exec "$0" "$@" >>"${logFile}" 2>&1`, command, ...argv], { cwd: root, env, stdio: 'ignore' });
    current = child;
    child.once('exit', (code, signal) => {
      current = null;
      resolve({ code: code ?? (signal ? 128 : 1), seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

/** @type {import('node:child_process').ChildProcess | null} */
let current = null;
/** @type {Record<string, string> | null} */
let currentEnv = null;

function downAll(env) {
  for (const mode of [[], ['--fab']]) {
    try {
      execFileSync('bash', [airflowSh, 'down', ...mode], { cwd: root, env, stdio: 'ignore' });
    } catch {
      // nothing was running
    }
  }
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    say(`${signal}: stopping what compat started`);
    current?.kill('SIGTERM');
    if (currentEnv) downAll(currentEnv);
    process.exit(130);
  });
}

function lastLines(file, n) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-n).join(' / ');
  } catch {
    return '';
  }
}

/** A Python exception's closing line (`pkg.SomeError: what`), which says more than the traceback above it. */
const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(Error|Exception|Exit)\b(:.*)?$/;
const ERROR_LINE = /\bERROR\b|\[error\s*\]|\bCRITICAL\b/;

/**
 * Why an Airflow did not come up: airflow.sh's own verdict, then the last error lines of each
 * component's latest start (its server first: an api-server that fails to import takes the rest down).
 */
function whyNotUp(dir, log) {
  const verdict =
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.includes('ERROR:'))
      .at(-1) ?? lastLines(log, 1);
  const said = [verdict.replace(/^\[airflow\.sh\] ERROR: /, '')];
  for (const component of ['api-server', 'webserver', 'scheduler', 'dag-processor']) {
    let text;
    try {
      text = readFileSync(`${dir}/home/logs/${component}.log`, 'utf8');
    } catch {
      continue;
    }
    const lines = text
      .slice(text.lastIndexOf('===== '))
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .filter(Boolean);
    let errors = lines.filter((l) => EXCEPTION_LINE.test(l));
    if (errors.length === 0) errors = lines.filter((l) => ERROR_LINE.test(l));
    const last = [...new Set(errors)].slice(-2).map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l));
    if (last.length) said.push(`${component}: ${last.join(' / ')}`);
  }
  return said.join('; ');
}

async function tryVersion(version, index) {
  const dir = `${outDir}/${version}`;
  mkdirSync(dir, { recursive: true });
  const port = await freePair(FIRST_PORT + PORT_STEP * index);
  const log = `${dir}/compat.log`;
  writeFileSync(log, '');
  const result = { version, port, install: null, up: null, checks: new Map(), note: '' };
  let lock;
  try {
    lock = lockFor(version);
  } catch (error) {
    result.note = `no lock: ${error.message}`;
    return result;
  }
  const env = {
    ...process.env,
    AIRFLOW_DIR: dir,
    AIRFLOW_REQUIREMENTS: lock,
    AIRFLOW_PORT: String(port),
    AIRFLOW_TEST_PORT: String(port),
    AIRFLOW_TEST_FAB_PORT: String(port + 1),
    AIRFLOW_TEST_MAJOR: version.split('.')[0],
    // The status_probe_* DAGs of the silent-failures suite (dags/status_probes.py), whose code folder is this Airflow's.
    AIRFLOW_STATUS_PROBE_DAGS: `${dir}/probes`,
  };
  currentEnv = env;
  say(`${version}: installing from ${lock.slice(root.length)} into ${dir.slice(root.length)}`);
  const install = await runLogged('bash', [airflowSh, 'install'], env, log);
  result.install = install.seconds;
  if (install.code !== 0) {
    result.note = `install failed: ${lastLines(log, 2)}`;
    return result;
  }
  say(`${version}: starting Airflow on 127.0.0.1:${port}`);
  const up = await runLogged('bash', [airflowSh, 'up'], env, log);
  result.up = up.seconds;
  if (up.code !== 0) {
    result.note = `Airflow did not come up: ${whyNotUp(dir, log)}`;
    downAll(env);
    return result;
  }
  say(`${version}: running the real-Airflow suites (log: ${log.slice(root.length)})`);
  const json = `${dir}/jest.json`;
  await runLogged(
    process.execPath,
    [
      '--experimental-vm-modules',
      'node_modules/jest/bin/jest.js',
      '--selectProjects',
      'airflow',
      '--runInBand',
      '--json',
      `--outputFile=${json}`,
    ],
    env,
    log,
  );
  downAll(env);
  currentEnv = null;
  try {
    const report = JSON.parse(readFileSync(json, 'utf8'));
    for (const file of report.testResults) {
      for (const test of file.assertionResults) result.checks.set(test.fullName, test.status);
      if (file.assertionResults.length === 0 && file.message)
        result.note += ` ${file.name.slice(root.length)}: ${file.message.split('\n')[0]}`;
    }
  } catch {
    result.note = `no test report: ${lastLines(log, 3)}`;
  }
  return result;
}

const mark = { passed: '✅', failed: '❌', pending: 'n/a', skipped: 'n/a', todo: 'n/a' };

function table(results) {
  const names = [...new Set(results.flatMap((r) => [...r.checks.keys()]))];
  const head = `| check | ${results.map((r) => r.version).join(' | ')} |`;
  const rule = `| --- | ${results.map(() => ':---:').join(' | ')} |`;
  const row = (label, cell) => `| ${label} | ${results.map(cell).join(' | ')} |`;
  const lines = [
    head,
    rule,
    row('install (s)', (r) => (r.install === null ? '—' : String(r.install))),
    row('Airflow up (s)', (r) => (r.up === null ? '—' : String(r.up))),
    ...names.map((name) => row(name.replace(/\|/g, '\\|'), (r) => mark[r.checks.get(name)] ?? '—')),
  ];
  const notes = results.filter((r) => r.note).map((r) => `- ${r.version}: ${r.note.trim()}`);
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

say(`building the service (npm run build) for the launcher DAG`);
execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
const results = [];
for (const [index, version] of versions.entries()) {
  const result = await tryVersion(version, index);
  const counts = [...result.checks.values()].reduce((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
  say(`${version}: ${JSON.stringify(counts)}${result.note ? ` — ${result.note.trim()}` : ''}`);
  results.push(result);
}
const date = new Date().toISOString().slice(0, 10);
const report = `Compatibility run of ${date} (npm run compat -- ${versions.join(' ')}):\n\n${table(results)}\n`;
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}/report.md`, report);
process.stdout.write(`\n${report}`);
const ok = results.every((r) => !r.note && [...r.checks.values()].every((s) => s !== 'failed'));
process.exit(ok ? 0 : 1);
