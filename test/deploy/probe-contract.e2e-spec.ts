/**
 * The probe contract: the chart's probes and grace period, read from the rendered Deployment, against the
 * built service run the way its container runs it (the image's command and user, the Deployment's
 * environment, a read-only working tree). A small kubelet plays the probes by their rules (period,
 * timeout, thresholds; liveness and readiness only once the startup probe succeeded; HTTP 200-399 is a
 * success) through start-up, Airflow down (refused, then hanging), Airflow back, and termination
 * (preStop sleep, then SIGTERM, the grace period counted from the start of the preStop hook).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { FakeAirflow } from '../fake-airflow/fake-airflow.js';
import { freePort, until, type ServiceProcess } from '../support/service-process.js';
import {
  deploymentOf,
  imageConfig,
  imageWorkTree,
  type Probe,
  renderChart,
  startAsContainer,
  type Container,
  type PodSpec,
} from './deploy-support.js';

// Real time, real probe periods (a liveness restart needs failureThreshold × period ≈ 30 s of failures
// to be ruled out): the whole file runs for a few minutes.
jest.setTimeout(240_000);

const DAG = 'Airflow_Lab2';

type Outcome = { at: number; ok: boolean; status: number | string };

/** One probe of one container, as the kubelet runs it. */
class Prober {
  readonly results: Outcome[] = [];
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private successes = 0;
  /** Readiness: the kubelet's current conclusion. Liveness/startup: whether the threshold of failures was reached. */
  ready = false;
  thresholdReached = false;
  succeededOnce = false;

  constructor(
    readonly name: string,
    private readonly probe: Probe,
    private readonly port: number,
  ) {}

  start(): void {
    const tick = async () => {
      await this.once();
      if (this.timer !== undefined) this.timer = setTimeout(() => void tick(), this.probe.periodSeconds * 1000);
    };
    this.timer = setTimeout(() => void tick(), (this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async once(): Promise<void> {
    const started = Date.now();
    let outcome: Outcome;
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}${this.probe.httpGet.path}`, {
        redirect: 'manual',
        signal: AbortSignal.timeout(this.probe.timeoutSeconds * 1000),
      });
      await res.arrayBuffer();
      outcome = { at: started, ok: res.status >= 200 && res.status < 400, status: res.status };
    } catch (error) {
      outcome = { at: started, ok: false, status: (error as Error).name === 'TimeoutError' ? 'timeout' : 'refused' };
    }
    this.results.push(outcome);
    if (outcome.ok) {
      this.failures = 0;
      this.successes++;
      this.succeededOnce = true;
      if (this.successes >= (this.probe.successThreshold ?? 1)) this.ready = true;
    } else {
      this.successes = 0;
      this.failures++;
      if (this.failures >= this.probe.failureThreshold) {
        this.ready = false;
        this.thresholdReached = true;
      }
    }
  }

  /** Outcomes since `since` (epoch ms). */
  since(since: number): Outcome[] {
    return this.results.filter((r) => r.at >= since);
  }
}

describe('probe contract: the rendered Deployment against the running service', () => {
  let container: Container;
  let pod: PodSpec;
  let airflow: FakeAirflow;
  let tree: ReturnType<typeof imageWorkTree>;
  let service: ServiceProcess;
  let port: number;
  let spawnedAt: number;
  const probers: Record<'startup' | 'liveness' | 'readiness', Prober> = {} as never;
  const envValue = (name: string) => Number(container.env.find((e) => e.name === name)?.value);

  beforeAll(async () => {
    ({ container, pod } = deploymentOf((await renderChart()).manifests));
    airflow = await FakeAirflow.start({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })] } });
    tree = imageWorkTree();
    port = await freePort();
    // The probes name the container port; the port the service listens on is FLASK_PORT, the same number.
    const http = container.ports.find((p) => p.name === 'http')!;
    expect(envValue('FLASK_PORT')).toBe(http.containerPort);
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe])
      expect(probe.httpGet.port).toBe('http');

    const image = imageConfig();
    const env: Record<string, string> = { ...image.env };
    for (const e of container.env) if (e.value !== undefined) env[e.name] = e.value;
    // What differs from a pod here: Airflow's address, and a free port of this shared machine for containerPort.
    env.AIRFLOW_WEBSERVER = airflow.url;
    env.FLASK_PORT = String(port);
    const user = { uid: container.securityContext.runAsUser, gid: container.securityContext.runAsGroup };
    spawnedAt = Date.now();
    service = startAsContainer(tree.dir, user, image.cmd, env);
    probers.startup = new Prober('startup', container.startupProbe, port);
    probers.liveness = new Prober('liveness', container.livenessProbe, port);
    probers.readiness = new Prober('readiness', container.readinessProbe, port);
    probers.startup.start();
  });

  afterAll(async () => {
    for (const prober of Object.values(probers)) prober.stop();
    service?.kill('SIGKILL');
    await service?.exited();
    await airflow?.stop();
    tree?.dispose();
  });

  const noRestart = () => {
    expect(probers.liveness.thresholdReached).toBe(false);
    expect(service.child.exitCode).toBeNull();
  };

  it('starts within the startup budget; then liveness and readiness run, and it becomes ready', async () => {
    const { periodSeconds, failureThreshold, initialDelaySeconds = 0 } = container.startupProbe;
    const budgetMs = (initialDelaySeconds + periodSeconds * failureThreshold) * 1000;
    await until(
      'the startup probe to succeed',
      async () => (probers.startup.succeededOnce || probers.startup.thresholdReached ? true : null),
      budgetMs + 10_000,
    );
    expect(probers.startup.thresholdReached).toBe(false);
    const startedAt = probers.startup.results.find((r) => r.ok)!.at;
    expect(startedAt - spawnedAt).toBeLessThan(budgetMs);
    // The kubelet stops the startup probe once it succeeded and starts the others.
    probers.startup.stop();
    probers.liveness.start();
    probers.readiness.start();
    await until('ready', async () => (probers.readiness.ready ? true : null), 60_000);
    noRestart();
  });

  it('while Airflow is down (refused, then hanging): not ready, and never restarted by liveness', async () => {
    const { periodSeconds, failureThreshold, timeoutSeconds } = container.readinessProbe;
    const ttlMs = envValue('STATUS_CACHE_TTL_MS');
    const airflowTimeoutMs = envValue('AIRFLOW_TIMEOUT_MS');
    // A hanging Airflow must give the service's own 503 within the probe's timeout, not a probe timeout.
    expect(timeoutSeconds * 1000).toBeGreaterThan(airflowTimeoutMs);
    const downAt = Date.now();
    await airflow.down();
    // NotReady within the cached answer's life plus failureThreshold periods (and a period of slack).
    const boundMs = ttlMs + (failureThreshold + 1) * periodSeconds * 1000 + 10_000;
    await until('not ready', async () => (probers.readiness.ready ? null : true), boundMs);
    noRestart();

    await airflow.restart();
    airflow.setScenario({ fault: 'hang' });
    const hangAt = Date.now();
    // Long enough that liveness would have restarted the container had it failed: failureThreshold periods.
    const { periodSeconds: livePeriod, failureThreshold: liveThreshold } = container.livenessProbe;
    const outageMs = (liveThreshold + 1) * livePeriod * 1000;
    await until(
      'the outage to last',
      async () => (Date.now() - downAt >= outageMs && Date.now() - hangAt >= (timeoutSeconds + periodSeconds) * 1000 ? true : null),
      outageMs + 30_000,
    );
    expect(probers.readiness.ready).toBe(false);
    noRestart();
    expect(probers.liveness.since(downAt).length).toBeGreaterThanOrEqual(liveThreshold);
    expect(probers.liveness.since(downAt).every((r) => r.ok)).toBe(true);
    // While hanging, readiness is the service's 503, answered in time.
    const hanging = probers.readiness.since(hangAt + airflowTimeoutMs);
    expect(hanging.length).toBeGreaterThan(0);
    expect(hanging.every((r) => r.status === 503)).toBe(true);
  });

  it('when Airflow is back: ready again', async () => {
    airflow.setScenario({ fault: 'none' });
    const { periodSeconds, successThreshold = 1, timeoutSeconds } = container.readinessProbe;
    const boundMs =
      envValue('STATUS_CACHE_TTL_MS') +
      envValue('AIRFLOW_TIMEOUT_MS') +
      (successThreshold + 1) * periodSeconds * 1000 +
      timeoutSeconds * 1000;
    await until('ready again', async () => (probers.readiness.ready ? true : null), boundMs + 10_000);
    noRestart();
  });

  it('on termination: serves through preStop, answers the request in flight after SIGTERM, exits 0 within the grace period', async () => {
    // A request in flight at SIGTERM: Airflow answers slowly (and the preStop hook outlasts the status cache).
    airflow.setScenario({ delayMs: 2_000 });

    const terminatingAt = Date.now();
    const graceMs = pod.terminationGracePeriodSeconds * 1000;
    const shutdownMs = envValue('SHUTDOWN_TIMEOUT_MS');
    const preStopMs = container.lifecycle.preStop.sleep.seconds * 1000;
    expect(graceMs).toBeGreaterThan(preStopMs + shutdownMs);
    expect(preStopMs).toBeGreaterThan(envValue('STATUS_CACHE_TTL_MS'));
    // The preStop hook: the kubelet waits, the endpoints controller takes the pod out of the Service; the
    // service still answers everything meanwhile.
    const duringPreStop: number[] = [];
    await until(
      'the end of the preStop hook',
      async () => {
        duringPreStop.push((await fetch(`http://127.0.0.1:${port}/health/live`)).status);
        return Date.now() - terminatingAt >= preStopMs ? true : null;
      },
      preStopMs + 10_000,
    );
    expect(duringPreStop.length).toBeGreaterThan(0);
    expect(duringPreStop.every((status) => status === 200)).toBe(true);
    airflow.clearCalls();
    const inFlight = fetch(`http://127.0.0.1:${port}/api/dags/${DAG}/status`, { headers: { Connection: 'close' } });
    await until('the request to reach Airflow', async () => (airflow.calls.some((c) => c.path.endsWith('/dagRuns')) ? true : null), 10_000);
    service.kill('SIGTERM');

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    const code = await Promise.race([service.exited(), new Promise((resolve) => setTimeout(() => resolve('grace period over'), graceMs))]);
    expect(code).toBe(0);
    expect(Date.now() - terminatingAt).toBeLessThan(graceMs);
    expect(probers.liveness.thresholdReached).toBe(false);
  });
});
