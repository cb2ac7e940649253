import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, jest } from '@jest/globals';
import { FakeAirflow } from '../fake-airflow/fake-airflow.js';
import { processesAgainstFakeAirflow } from '../support/process-harness.js';
import { NODE_FLAGS } from '../../src/config/node-flags.js';
import { isPortFree, servingInstanceOn, type ServiceProcess, until } from '../support/service-process.js';

const DAG = 'Airflow_Lab2';
// Real processes on a possibly loaded 2-core machine: every wait is on a condition, with room.
jest.setTimeout(60_000);
const STOP = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/port-guard/stop.command.js');
const run = promisify(execFile);

const harness = processesAgainstFakeAirflow(DAG, { WATCHDOG_INTERVAL_SECONDS: '1' });
const { start, env } = harness;

/** The instance id answering /health/live on the port, or null when nothing of ours answers. */
const servingInstance = (): Promise<string | null> => servingInstanceOn(harness.port);

const portIsFree = (): Promise<boolean> => isPortFree(harness.port);

const serves = harness.serves;

async function standsBy(service: ServiceProcess): Promise<void> {
  await until('the instance to stand by', async () => (service.output.includes('Standing by: instance') ? true : null));
}

const waitForOutput = (service: ServiceProcess, text: string, timeoutMs = 30_000) =>
  until(`output "${text}"`, async () => (service.output.includes(text) ? true : null), timeoutMs);

/** A process's command line, as the kernel shows it after an execve too. */
const commandLine = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
/** A process's environment as it was given to it (by the last execve). */
const environment = (pid: number): string[] => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);

describe('node flags and malloc settings', () => {
  it("runs a plain `node dist/main.js` with the service's V8 heap flags, in the same process", async () => {
    const a = start();
    await serves(a);
    const live = (await (await fetch(`http://127.0.0.1:${harness.port}/health/live`)).json()) as { details: { process: { pid: number } } };
    expect(live.details.process.pid).toBe(a.child.pid);
    expect(commandLine(a.child.pid!).slice(1, 1 + NODE_FLAGS.length)).toEqual([...NODE_FLAGS]);
    expect(environment(a.child.pid!)).toContain('MALLOC_MMAP_THRESHOLD_=32768');
  });

  it('leaves a value given on the command line or in NODE_OPTIONS as it is', async () => {
    const a = start({ NODE_OPTIONS: '--max-semi-space-size=4' }, ['--heap-growing-percent=0', '--maglev']);
    await serves(a);
    expect(commandLine(a.child.pid!).slice(1, -1)).toEqual(['--heap-growing-percent=0', '--maglev']);
  });

  it("leaves glibc's malloc setting given in the environment as it is", async () => {
    const a = start({ MALLOC_MMAP_THRESHOLD_: '131072' });
    await serves(a);
    expect(environment(a.child.pid!)).toContain('MALLOC_MMAP_THRESHOLD_=131072');
    expect(commandLine(a.child.pid!).slice(1, 1 + NODE_FLAGS.length)).toEqual([...NODE_FLAGS]);
  });
});

/**
 * A module outside dist/ that the running service resolves, each on a line of stderr: node's hooks,
 * registered before the entry loads, see import() and require() alike.
 */
const REPORT_LOADS = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
registerHooks({ resolve(specifier, context, next) {
  const resolved = next(specifier, context);
  if (resolved.url.startsWith('file:') && !resolved.url.includes('/dist/')) process.stderr.write('loaded outside the bundle: ' + resolved.url + '\\n');
  return resolved;
} });
process.stderr.write('module hooks on\\n');`)}`;

describe('the bundle', () => {
  // A dependency that require()s a package at run time (Terminus's Swagger documentation did)
  // loads a second copy of it, and of Nest, from node_modules: +11 MB of RSS and a second set of
  // Nest's classes. Everything the routes need is inside dist/server.js.
  it('loads nothing from node_modules, at start or for the routes that load code on first use', async () => {
    const a = start({}, [`--import=${REPORT_LOADS}`]);
    await serves(a);
    const base = `http://127.0.0.1:${harness.port}`;
    for (const path of ['/docs-json', '/docs', `/api/dags/${DAG}/badge.svg`, `/api/dags/${DAG}/status`, '/dags', '/metrics']) {
      expect((await fetch(`${base}${path}`)).status).toBe(200);
    }
    expect(a.stderr).toContain('module hooks on');
    // swagger-ui-dist's one file that says where Swagger UI's files are, which are served from disk.
    const outside = a.stderr
      .split('\n')
      .filter((line) => line.startsWith('loaded outside') && !line.includes('/node_modules/swagger-ui-dist/'));
    expect(outside).toEqual([]);
  });
});

describe('port guard', () => {
  it('serves on a free port and publishes who it is', async () => {
    const a = start();
    const id = await serves(a);
    const res = await fetch(`http://127.0.0.1:${harness.port}/health/live`);
    expect(res.headers.get('x-service-instance')).toBe(`airflow-status-api/${id}`);
    const body = (await res.json()) as { details: { process: Record<string, unknown> } };
    expect(body.details.process).toMatchObject({ service: 'airflow-status-api', instance_id: id, pid: a.child.pid });
  });

  it.each([
    [
      'naming the port and the holder, when another program holds the port',
      () => createServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')),
      {},
      'set FLASK_PORT to a free port',
    ],
    [
      'when the holder accepts connections but never answers',
      () => createServer(() => undefined),
      { PORT_PROBE_TIMEOUT_MS: '1000' },
      'no HTTP answer within 1000 ms',
    ],
  ])('exits 69 within seconds, %s', async (_case, holder: () => Server, env: Record<string, string>, says: string) => {
    const foreign = holder();
    foreign.listen(harness.port, '127.0.0.1');
    await once(foreign, 'listening');
    try {
      const a = start(env);
      await expect(a.exited()).resolves.toBe(69);
      expect(a.output).toContain(`Port ${harness.port} on 127.0.0.1 is held by another program (pid ${process.pid}:`);
      expect(a.output).toContain(says);
    } finally {
      foreign.close();
    }
  });

  it('exits 78 at start for settings that contradict each other (AIRFLOW_AUTH=jwt with AIRFLOW_API_VERSION=v1)', async () => {
    const a = start({ AIRFLOW_AUTH: 'jwt', AIRFLOW_API_VERSION: 'v1' });
    await expect(a.exited()).resolves.toBe(78);
    expect(a.output).toContain('AIRFLOW_AUTH cannot be jwt with AIRFLOW_API_VERSION=v1: Airflow 2 has no /auth/token; use auto or basic');
  });

  it('settles two instances started at once on one server and one standby', async () => {
    const a = start();
    const b = start();
    const id = await until('one to serve and the other to stand by', async () => {
      const serving = [a, b].filter((s) => s.output.includes('"Serving on http://'));
      const standing = [a, b].filter((s) => s.output.includes('Standing by: instance'));
      return serving.length === 1 && standing.length === 1 ? servingInstance() : null;
    });
    const [server, standby] = a.output.includes('"Serving on http://') ? [a, b] : [b, a];
    expect(standby.output).toContain(`Standing by: instance ${id} serves port ${harness.port}`);
    expect(standby.output).not.toContain('"Serving on http://');
    expect([server.child.exitCode, standby.child.exitCode]).toEqual([null, null]);
  });

  it('stands by behind an instance of its own, which keeps serving', async () => {
    const a = start();
    const first = await serves(a);
    const b = start();
    await standsBy(b);
    expect(b.output).toContain(`Standing by: instance ${first} serves port ${harness.port}`);
    expect(await servingInstance()).toBe(first);
    expect(b.child.exitCode).toBeNull();
  });
});

describe('watchdog', () => {
  it('takes over within an interval when the serving instance is killed with SIGKILL', async () => {
    const a = start();
    const first = await serves(a);
    const b = start();
    await standsBy(b);
    const killedAt = Date.now();
    a.kill('SIGKILL');
    const second = await until(
      'a new instance to serve',
      async () => {
        const id = await servingInstance();
        return id && id !== first ? id : null;
      },
      15_000,
    );
    // One 1 s interval plus a refused probe and a bind; the rest is room for a loaded 2-core machine.
    expect(Date.now() - killedAt).toBeLessThan(8000);
    expect(b.output).toContain('Taking over port');
    expect(b.output).toContain('"Serving on http://');
    expect(second).not.toBe(first);
  });

  it('settles a race between two standbys on exactly one server; the other stands by again', async () => {
    const a = start();
    const first = await serves(a);
    const b = start();
    const c = start();
    await standsBy(b);
    await standsBy(c);
    a.kill('SIGKILL');
    const winner = await until(
      'a standby to serve',
      async () => {
        const id = await servingInstance();
        return id && id !== first ? id : null;
      },
      15_000,
    );
    const [won, lost] = b.output.includes('"Serving on http://') ? [b, c] : [c, b];
    await until('the loser to watch the winner', async () =>
      lost.output.includes(`Port ${harness.port} is now served by instance ${winner}`) ||
      lost.output.includes(`Standing by: instance ${winner}`)
        ? true
        : null,
    );
    expect(won.output).toContain('"Serving on http://');
    expect(lost.output).not.toContain('"Serving on http://');
    expect(lost.child.exitCode).toBeNull();
    expect(won.child.exitCode).toBeNull();
  });

  it('exits 75 when the instance is lost and WATCHDOG_ON_LOSS=exit', async () => {
    const a = start();
    await serves(a);
    const b = start({ WATCHDOG_ON_LOSS: 'exit' });
    await standsBy(b);
    a.kill('SIGKILL');
    await expect(b.exited()).resolves.toBe(75);
    expect(b.output).toContain('WATCHDOG_ON_LOSS=exit');
  });
});

describe('stopping', () => {
  it('on SIGTERM finishes the request in flight, releases the port and exits 0', async () => {
    const a = start({ STATUS_CACHE_TTL_MS: '0', SHUTDOWN_TIMEOUT_MS: '10000' });
    await serves(a);
    const { answer: slow } = await harness.slowStatusRequest(1500);
    a.kill('SIGTERM');
    const res = await slow;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { dag_id: string }).dag_id).toBe(DAG);
    await expect(a.exited()).resolves.toBe(0);
    expect(a.output).toContain('SIGTERM received');
    expect(await portIsFree()).toBe(true);
  });

  it('exits 0 on SIGINT, and a standby exits 0 on SIGTERM too', async () => {
    const a = start();
    await serves(a);
    const b = start();
    await standsBy(b);
    b.kill('SIGTERM');
    await expect(b.exited()).resolves.toBe(0);
    a.kill('SIGINT');
    await expect(a.exited()).resolves.toBe(0);
    expect(await portIsFree()).toBe(true);
  });

  it('a second SIGTERM does not break the graceful stop', async () => {
    const a = start({ STATUS_CACHE_TTL_MS: '0' });
    await serves(a);
    const { answer: slow } = await harness.slowStatusRequest(1000);
    a.kill('SIGTERM');
    await waitForOutput(a, 'SIGTERM received');
    a.kill('SIGTERM');
    expect((await slow).status).toBe(200);
    await expect(a.exited()).resolves.toBe(0);
  });

  it('the stop command stops our instance gracefully and says the port is free', async () => {
    const a = start();
    const id = await serves(a);
    const { stdout } = await run(process.execPath, [STOP], { env: { PATH: process.env.PATH ?? '', ...env() } });
    expect(stdout).toContain(`Stopped airflow-status-api (pid ${a.child.pid}, instance ${id}); port ${harness.port} is free.`);
    await expect(a.exited()).resolves.toBe(0);
    expect(await portIsFree()).toBe(true);
  });

  it('the stop command waits for the request in flight and for the process to exit', async () => {
    const a = start({ STATUS_CACHE_TTL_MS: '0', SHUTDOWN_TIMEOUT_MS: '10000' });
    const id = await serves(a);
    const { answer: slow } = await harness.slowStatusRequest(1500);
    const stop = run(process.execPath, [STOP], { env: { PATH: process.env.PATH ?? '', ...env({ SHUTDOWN_TIMEOUT_MS: '10000' }) } });
    expect((await slow).status).toBe(200);
    expect((await stop).stdout).toContain(`Stopped airflow-status-api (pid ${a.child.pid}, instance ${id}); port ${harness.port} is free.`);
    await expect(a.exited()).resolves.toBe(0);
  });

  it('the stop command reports an instance that outlives its deadline, and kills it only with --force', async () => {
    // The service may drain for a minute; the stop command is told to wait 3.2 s (200 ms + its 3 s margin).
    const slowService = { STATUS_CACHE_TTL_MS: '60000', SHUTDOWN_TIMEOUT_MS: '60000', AIRFLOW_TIMEOUT_MS: '60000' };
    const stopEnv = { PATH: process.env.PATH ?? '', ...env({ SHUTDOWN_TIMEOUT_MS: '200' }) };
    // More runs than the mirror keeps: a request for 50 of them makes a read of its own.
    const runs = Array.from({ length: 12 }, () => FakeAirflow.run({ dag_id: DAG }));
    const stuck = async () => {
      await fetch(`http://127.0.0.1:${harness.port}/api/dags/${DAG}/status`); // the mirror holds the DAG
      harness.fake.setScenario({ delayMs: 30_000 });
      harness.fake.clearCalls();
      void fetch(`http://127.0.0.1:${harness.port}/api/dags/${DAG}/runs?limit=50`).catch(() => undefined);
      // Its read of the DAG's runs now hangs for 30 s.
      await until('the request to reach Airflow', async () => (harness.fake.callsTo(`/api/v2/dags/${DAG}/dagRuns`) > 0 ? true : null));
    };

    harness.fake.setScenario({ delayMs: 0, dags: { [DAG]: runs } });
    const a = start(slowService);
    await serves(a);
    await stuck();
    const refused = await run(process.execPath, [STOP], { env: stopEnv }).catch((error: { code: number; stdout: string }) => error);
    expect(refused).toMatchObject({ code: 75, stdout: expect.stringContaining(`(pid ${a.child.pid}, instance`) });
    expect((refused as { stdout: string }).stdout).toContain('has not exited within 3200 ms');
    expect(a.child.exitCode).toBeNull(); // left to drain: no kill without --force
    a.kill('SIGKILL');
    await a.exited();

    harness.fake.setScenario({ delayMs: 0 });
    const b = start(slowService);
    await serves(b);
    await stuck();
    const { stdout } = await run(process.execPath, [STOP, '--force'], { env: stopEnv });
    expect(stdout).toContain('--force: sending SIGKILL');
    expect(stdout).toContain(`Stopped airflow-status-api (pid ${b.child.pid}`);
    expect(stdout).toContain(`port ${harness.port} is free.`);
    await expect(b.exited()).resolves.toBe('SIGKILL');
  });

  it('the stop command with --all also stops the standbys that take over', async () => {
    const a = start();
    await serves(a);
    const b = start();
    await standsBy(b);
    const { stdout } = await run(process.execPath, [STOP, '--all'], { env: { PATH: process.env.PATH ?? '', ...env() } });
    expect(stdout.match(/Stopped airflow-status-api/g)).toHaveLength(2);
    await expect(a.exited()).resolves.toBe(0);
    await expect(b.exited()).resolves.toBe(0);
    expect(await portIsFree()).toBe(true);
  });

  it('the stop command refuses to touch a program that is not ours, and says there is nothing to stop on a free port', async () => {
    const free = await run(process.execPath, [STOP], { env: { PATH: process.env.PATH ?? '', ...env() } });
    expect(free.stdout).toContain(`Nothing listens on port ${harness.port}; nothing to stop.`);
    const foreign = createServer((socket) => socket.destroy());
    foreign.listen(harness.port, '127.0.0.1');
    await once(foreign, 'listening');
    try {
      const refused = await run(process.execPath, [STOP], { env: { PATH: process.env.PATH ?? '', ...env() } }).catch(
        (error: { code: number; stdout: string }) => error,
      );
      expect(refused).toMatchObject({ code: 69 });
      expect((refused as { stdout: string }).stdout).toContain(`(pid ${process.pid}:`);
      expect((refused as { stdout: string }).stdout).toContain('Not touching it.');
      expect(foreign.listening).toBe(true);
    } finally {
      foreign.close();
    }
  });
});
