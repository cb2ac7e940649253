/**
 * The container image, as far as it can be checked without a Docker engine: the Dockerfile passes
 * hadolint and says what the issue asks, and its exact start command, environment and user run the built
 * service from a read-only working tree, answer, pass the image's HEALTHCHECK and stop on STOPSIGNAL.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { FakeAirflow } from '../fake-airflow/fake-airflow.js';
import { freePort, until, type ServiceProcess } from '../support/service-process.js';
import { dockerfileStages, imageConfig, imageWorkTree, PROJECT_NODE_DIR, ROOT, run, startAsContainer, TOOL } from './deploy-support.js';

// Real processes on a possibly loaded 2-core machine: every wait is on a condition, with room.
jest.setTimeout(90_000);

const DAG = 'Airflow_Lab2';
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

describe('Dockerfile', () => {
  it('passes hadolint with no warning at all', async () => {
    const result = await run(TOOL.hadolint, ['--failure-threshold', 'style', 'Dockerfile']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('is multi-stage; the final stage is the tested Node LTS, slim, with production dependencies only', () => {
    const stages = dockerfileStages();
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const image = imageConfig();
    const nodeVersion = /(\d+\.\d+\.\d+)/.exec(pkg.devDependencies.node)![1];
    const arg = /ARG NODE_VERSION=(\S+)/.exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))![1];
    expect(arg).toBe(nodeVersion);
    expect(image.from).toMatch(/^node:\$\{NODE_VERSION\}-\w+-slim$/);
    const prodDeps = stages.find((s) => s.some((i) => i.keyword === 'RUN' && i.args.includes('npm ci --omit=dev')));
    expect(prodDeps).toBeDefined();
    const copies = image.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toContainEqual(expect.stringMatching(/^--from=prod-deps \/app\/node_modules /));
    expect(copies.join('\n')).not.toMatch(/--from=build \/app\/node_modules/);
  });

  it('runs as a numeric non-root user, exposes 5555, stops on SIGTERM, has OCI labels and a HEALTHCHECK without curl', () => {
    const image = imageConfig();
    expect(image.user.uid).toBeGreaterThan(0);
    expect(Number.isInteger(image.user.gid)).toBe(true);
    const one = (keyword: string) => image.instructions.find((i) => i.keyword === keyword)?.args;
    expect(one('EXPOSE')).toBe('5555');
    expect(one('STOPSIGNAL')).toBe('SIGTERM');
    const labels = image.instructions
      .filter((i) => i.keyword === 'LABEL')
      .map((i) => i.args)
      .join(' ');
    for (const key of ['source', 'version', 'licenses']) expect(labels).toContain(`org.opencontainers.image.${key}=`);
    expect(labels).toContain('org.opencontainers.image.licenses="MIT"');
    expect(image.healthcheck.cmd[0]).toBe('node');
    expect(image.healthcheck.cmd.join(' ')).not.toMatch(/curl|wget/);
    expect(image.cmd[0]).toBe('node');
    expect(image.cmd.at(-1)).toBe('dist/main.js');
  });

  it('sends only what the build stages copy (.dockerignore)', () => {
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
    expect(ignore).toMatch(/^\*$/m);
    for (const kept of ['package.json', 'package-lock.json', 'src/']) expect(ignore).toContain(`!${kept}`);
    // Every file a stage copies from the context (the last argument is the destination).
    const copied = dockerfileStages()
      .flat()
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const source of copied) expect(ignore.split('\n')).toContain(`!${source}`);
  });
});

describe('compose.yaml beside the official Airflow compose file', () => {
  it('adds the service against the api-server, after its healthcheck, with the password from an env file', () => {
    const compose = parseYaml(readFileSync(path.join(ROOT, 'deploy/compose/compose.yaml'), 'utf8')) as {
      services: Record<string, Record<string, unknown>>;
    };
    const service = compose.services['airflow-status-api'];
    expect(Object.keys(compose.services)).toEqual(['airflow-status-api']);
    expect(service.environment).toMatchObject({ AIRFLOW_WEBSERVER: 'http://airflow-apiserver:8080' });
    expect(JSON.stringify(service.environment)).not.toMatch(/PASSWORD/);
    expect(service.env_file).toEqual([{ path: 'airflow-status-api.env', required: true }]);
    expect(service.depends_on).toEqual({ 'airflow-apiserver': { condition: 'service_healthy', restart: true } });
    expect(service.ports).toEqual(['5555:5555']);
    expect(service.read_only).toBe(true);
    const example = readFileSync(path.join(ROOT, 'deploy/compose/airflow-status-api.env.example'), 'utf8');
    expect(example).toMatch(/^AIRFLOW_PASSWORD=/m);
    expect(readFileSync(path.join(ROOT, '.gitignore'), 'utf8')).toContain('deploy/compose/airflow-status-api.env');
  });
});

describe("the image's start command, environment and user, against the built service", () => {
  const image = imageConfig();
  let airflow: FakeAirflow;
  let tree: ReturnType<typeof imageWorkTree>;
  let service: ServiceProcess;
  let port: number;
  let env: Record<string, string>;

  beforeAll(async () => {
    airflow = await FakeAirflow.start({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })] } });
    tree = imageWorkTree();
    port = await freePort();
    // The image's ENV, plus what `docker run -e` would add: where Airflow is, and a free port on this
    // shared machine instead of 5555.
    env = { ...image.env, AIRFLOW_WEBSERVER: airflow.url, FLASK_PORT: String(port) };
    service = startAsContainer(tree.dir, image.user, image.cmd, env);
  });

  afterAll(async () => {
    service?.kill('SIGKILL');
    await service?.exited();
    await airflow?.stop();
    tree?.dispose();
  });

  it('serves from a read-only working tree as the unprivileged user', async () => {
    const live = await until(
      `the service on port ${port}`,
      async () => {
        if (service.child.exitCode !== null) throw new Error(`exited ${service.child.exitCode}: ${service.output}`);
        const res = await fetch(`http://127.0.0.1:${port}/health/live`);
        return res.status === 200 ? ((await res.json()) as { details: { process: { pid: number } } }) : null;
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${service.output}`);
    });
    expect(live.details.process.pid).toBe(service.child.pid);
    const status = readFileSync(`/proc/${service.child.pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`^Uid:\\s+${image.user.uid}\\s`, 'm'));
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    // The working tree is mounted read-only for that process.
    const mounts = readFileSync(`/proc/${service.child.pid}/mountinfo`, 'utf8');
    expect(mounts.split('\n').find((line) => line.split(' ')[4] === tree.dir)).toMatch(/ ro[, ]/);

    await until('ready against Airflow', async () => ((await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200 ? true : null));
    const res = await fetch(`http://127.0.0.1:${port}/api/dags/${DAG}/status`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { state: string }).state).toBe('success');
    expect(service.output).not.toMatch(/EROFS|EACCES|read-only file system/i);
  });

  it("passes the image's HEALTHCHECK command, run as the container's user with its environment", async () => {
    const [command, ...args] = image.healthcheck.cmd;
    const check = spawn(command, args, {
      env: { PATH: `${PROJECT_NODE_DIR}:/usr/bin:/bin`, ...env },
      uid: image.user.uid,
      gid: image.user.gid,
      stdio: 'ignore',
    });
    const [code] = (await once(check, 'exit')) as [number];
    expect(code).toBe(0);
    // --timeout gives it room: the check is one local request.
    expect(image.healthcheck.options).toMatch(/--timeout=\d+s/);
  });

  it('stops on STOPSIGNAL with exit code 0, as PID 1 would', async () => {
    service.kill(image.instructions.find((i) => i.keyword === 'STOPSIGNAL')!.args as NodeJS.Signals);
    expect(await service.exited()).toBe(0);
  });
});
