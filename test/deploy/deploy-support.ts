/**
 * What the deployment tests share: the pinned tools (scripts/deploy-tools.sh installs them), the chart
 * rendered by helm, the Dockerfile read as the image's build would read it, and the built service run
 * the way its container runs it.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ServiceProcess } from '../support/service-process.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART = path.join(ROOT, 'deploy/helm/airflow-status-api');
export const ALL_ON_VALUES = path.join(CHART, 'ci/all-on-values.yaml');
/** The Kubernetes versions the chart claims (Chart.yaml's kubeVersion and up to the newest schemas shipped). */
export const KUBERNETES_VERSIONS = ['1.32.0', '1.33.0', '1.34.0', '1.35.0', '1.36.0', '1.37.0'];

const VENV_BIN = path.join(ROOT, 'deploy/.venv/bin');
const TOOLS =
  process.env.AIRFLOW_STATUS_TOOLS ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'airflow-status-api/tools/bin');
export const TOOL = {
  helm: path.join(TOOLS, 'helm'),
  hadolint: path.join(VENV_BIN, 'hadolint'),
  kubernetesValidate: path.join(VENV_BIN, 'kubernetes-validate'),
  checkov: path.join(VENV_BIN, 'checkov'),
};

for (const [name, file] of Object.entries(TOOL))
  if (!existsSync(file)) throw new Error(`${name} is missing at ${file}: run bash scripts/deploy-tools.sh (npm test runs it)`);

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end; never rejects on a non-zero exit (the test looks at `code`). */
export function run(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        // A program that could not be started at all (ENOENT, EACCES): no exit code to look at.
        if (error && typeof error.code !== 'number') return reject(new Error(`${file}: ${error.message}`, { cause: error }));
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** A rendered manifest, as far as the tests read it. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** `helm template` of the chart with the given values files and --set pairs; the YAML text and its documents. */
export async function renderChart(valuesFiles: string[] = [], set: string[] = []): Promise<{ yaml: string; manifests: Manifest[] }> {
  const args = ['template', 'status', CHART, '--namespace', 'airflow', '--kube-version', KUBERNETES_VERSIONS.at(-1)!];
  for (const file of valuesFiles) args.push('-f', file);
  for (const pair of set) args.push('--set', pair);
  const { code, stdout, stderr } = await run(TOOL.helm, args);
  if (code !== 0) throw new Error(`helm ${args.join(' ')} failed (${code}): ${stderr}`);
  const manifests = parseAllDocuments(stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
  return { yaml: stdout, manifests };
}

export interface Probe {
  httpGet: { path: string; port: string | number };
  initialDelaySeconds?: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  env: { name: string; value?: string; valueFrom?: unknown }[];
  ports: { name: string; containerPort: number }[];
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  lifecycle: { preStop: { sleep: { seconds: number } } };
  securityContext: Record<string, unknown> & { runAsUser: number; runAsGroup: number };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}

export interface PodSpec {
  terminationGracePeriodSeconds: number;
  automountServiceAccountToken: boolean;
  securityContext: Record<string, unknown>;
  containers: Container[];
}

/** The one Deployment of a render, and its pod spec. */
export function deploymentOf(manifests: Manifest[]): { deployment: Manifest; pod: PodSpec; container: Container } {
  const deployments = manifests.filter((m) => m.kind === 'Deployment');
  if (deployments.length !== 1) throw new Error(`expected one Deployment, rendered ${deployments.length}`);
  const deployment = deployments[0];
  const pod = (deployment.spec as { template: { spec: PodSpec } }).template.spec;
  return { deployment, pod, container: pod.containers[0] };
}

/** One instruction of a Dockerfile: its keyword and its arguments, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's stages (FROM to FROM), each a list of instructions. */
export function dockerfileStages(text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')): Instruction[][] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (!current && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (current && line.trimStart().startsWith('#')) continue;
    if (line.endsWith('\\')) current += `${line.slice(0, -1)} `;
    else {
      logical.push(current + line);
      current = '';
    }
  }
  const stages: Instruction[][] = [];
  for (const entry of logical) {
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(entry);
    if (!m) continue;
    const instruction = { keyword: m[1].toUpperCase(), args: m[2].trim() };
    if (instruction.keyword === 'FROM') stages.push([]);
    // ARGs before the first FROM belong to no stage.
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

/** The image as it runs: the final stage's CMD (exec form), ENV, USER, WORKDIR and HEALTHCHECK. */
export interface ImageConfig {
  from: string;
  cmd: string[];
  env: Record<string, string>;
  user: { uid: number; gid: number };
  workdir: string;
  healthcheck: { options: string; cmd: string[] };
  instructions: Instruction[];
}

export function imageConfig(): ImageConfig {
  const final = dockerfileStages().at(-1)!;
  const one = (keyword: string) => {
    const found = final.filter((i) => i.keyword === keyword);
    if (found.length !== 1) throw new Error(`the final stage has ${found.length} ${keyword} instructions, expected 1`);
    return found[0].args;
  };
  const env: Record<string, string> = {};
  for (const e of final.filter((i) => i.keyword === 'ENV'))
    for (const m of e.args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g))
      env[m[1]] = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
  const [uid, gid] = one('USER').split(':').map(Number);
  const health = /^(.*?)\s*CMD\s+(\[.*\])$/.exec(one('HEALTHCHECK'));
  if (!health) throw new Error('HEALTHCHECK must be `[options] CMD [exec form]`');
  return {
    from: one('FROM'),
    cmd: JSON.parse(one('CMD')) as string[],
    env,
    user: { uid, gid },
    workdir: one('WORKDIR'),
    healthcheck: { options: health[1], cmd: JSON.parse(health[2]) as string[] },
    instructions: final,
  };
}

/** The Node the project runs on (node_modules/.bin/node, the `node` devDependency), standing for the image's. */
export const PROJECT_NODE_DIR = path.join(ROOT, 'node_modules/node/bin');

/**
 * The image's /app, made from the built service: dist/ and package.json copied, node_modules linked (the
 * image has the production ones). Owned by root and read-only; `containerCommand` also mounts it
 * read-only, as `readOnlyRootFilesystem` does. Remove it with `dispose`.
 */
export function imageWorkTree(): { dir: string; dispose: () => void } {
  const base = mkdtempSync(path.join(tmpdir(), 'airflow-status-image-'));
  chmodSync(base, 0o755);
  const dir = path.join(base, 'app');
  cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), readFileSync(path.join(ROOT, 'package.json')));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return { dir, dispose: () => rmSync(base, { recursive: true, force: true }) };
}

/**
 * Starts `command` as the container would: in its own mount namespace where `dir` is a read-only bind
 * mount, as the numeric `uid:gid` with no supplementary groups, cwd `dir`, with exactly `env` (plus a PATH
 * on which `node` is the project's Node LTS, as the image's is). The process keeps the child's pid
 * (unshare, sh and setpriv exec), so signals reach node as they reach a container's PID 1 process. Needs
 * root (to mount and to change user), as the test suite runs here.
 */
export function startAsContainer(
  dir: string,
  user: { uid: number; gid: number },
  command: string[],
  env: Record<string, string>,
): ServiceProcess {
  // As the pod's securityContext: read-only root filesystem, runAsUser/runAsGroup, no privilege
  // escalation (no_new_privs), all capabilities dropped (bounding set emptied).
  const script = [
    'd="$0"; u="$1"; g="$2"; shift 2',
    'mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" && cd "$d"',
    'exec setpriv --reuid "$u" --regid "$g" --clear-groups --no-new-privs --bounding-set=-all -- "$@"',
  ].join('\n');
  const child = spawn(
    'unshare',
    ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, dir, String(user.uid), String(user.gid), ...command],
    {
      env: { PATH: `${PROJECT_NODE_DIR}:/usr/bin:/bin`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return ServiceProcess.adopt(child);
}
