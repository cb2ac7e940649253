// The benchmark's knobs, read once from the environment (see BENCHMARKS.md, "Reproduce").
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(BENCH, '..');
export const DAG_ID = 'Airflow_Lab2';
export const STATUS_PATH = `/api/dags/${DAG_ID}/status`;
/** Where a full run writes its figures; BENCHMARKS.md's tables are generated from this file. */
export const LATEST_RESULTS = path.join(BENCH, 'results', 'latest.json');

const env = process.env;
const duration = Number(env.BENCH_DURATION_S ?? 10);
const rounds = Number(env.BENCH_ROUNDS ?? 5);
// BENCH_ONLY=memory,warn,… runs a subset (for experiments) of: starts, memory, live, root, success, warn, mixed, api-dags, dags, fanout, fairness, mirror, past, seed.
// The ceiling and the cached status always run: every ratio is to the ceiling.
const only = env.BENCH_ONLY ? env.BENCH_ONLY.split(',').map((x) => x.trim()) : null;

/** What a run was measured with; written into its results. */
export const settings = {
  durationS: duration,
  warmupS: Number(env.BENCH_WARMUP_S ?? 2),
  connections: Number(env.BENCH_CONNECTIONS ?? 50),
  ttlMs: Number(env.STATUS_CACHE_TTL_MS ?? 2000),
  // The service's DAG_LIST_PERIOD_MS (its default unless set): how often its mirror reads Airflow's DAG list.
  dagListPeriodMs: Number(env.DAG_LIST_PERIOD_MS ?? 60_000),
  memoryRequests: Number(env.BENCH_MEMORY_REQUESTS ?? 100_000),
  // The mixed-load memory row (bench/scenarios/mixed.mjs): its length and connections.
  mixedS: Number(env.BENCH_MIXED_S ?? 60),
  mixedConnections: Number(env.BENCH_MIXED_CONNECTIONS ?? 20),
  starts: Number(env.BENCH_STARTS ?? 5),
  rounds,
  // wrk runs whole seconds: an alternating slice is duration / rounds rounded, at least 1 s.
  sliceS: Math.max(1, Math.round(duration / rounds)),
  wrkThreads: Number(env.BENCH_WRK_THREADS ?? 1),
  only,
  skipSeed: Boolean(env.BENCH_SKIP_SEED),
  // The mirror scenario (bench/scenarios/mirror.mjs): the watched DAGs of each pass, and each window's length.
  mirrorDags: (env.BENCH_MIRROR_DAGS ?? '1000,5000').split(',').map(Number),
  mirrorWindowS: Number(env.BENCH_MIRROR_WINDOW_S ?? 30),
  // How long the mirror runs after its first load before the windows: the service reconciles (reads
  // DAGs whole again) only from ten minutes after its start, so 600+ shows that steady state.
  mirrorSettleS: Number(env.BENCH_MIRROR_SETTLE_S ?? 0),
  // The past scenario (bench/scenarios/past.mjs, issue 20): DAGs, hourly runs each (720: 30 days), idle window.
  pastDags: Number(env.BENCH_PAST_DAGS ?? 1000),
  pastRuns: Number(env.BENCH_PAST_RUNS ?? 720),
  pastWindowS: Number(env.BENCH_PAST_WINDOW_S ?? 20),
};

/** Everything else the harness needs but a result does not describe. */
export const harness = {
  serviceDir: path.resolve(env.BENCH_SERVICE_DIR ?? ROOT),
  // The service starts as deployed, `node dist/main.js`, whose entry adds its V8 flags (src/config/node-flags.ts);
  // BENCH_SERVICE_NODE_FLAGS puts others on the command line (space-separated; a value there wins, and
  // `--max-semi-space-size=0 --heap-growing-percent=0` is V8's defaults), BENCH_SERVICE_NODE_OPTIONS in NODE_OPTIONS.
  serviceNodeFlags: (env.BENCH_SERVICE_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
  serviceNodeOptions: env.BENCH_SERVICE_NODE_OPTIONS,
  python: env.BENCH_PYTHON ?? 'python3',
  // A subset run writes only to its work directory unless told where: latest.json describes full runs.
  resultsFile: env.BENCH_RESULTS ?? (only ? null : LATEST_RESULTS),
  noInstall: Boolean(env.BENCH_NO_INSTALL),
};

export const want = (part) => !only || only.includes(part);
