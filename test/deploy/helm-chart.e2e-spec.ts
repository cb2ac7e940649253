/**
 * The Helm chart (deploy/helm/airflow-status-api), with the pinned tools: helm lint --strict, helm template
 * with the defaults and with everything on, every rendered manifest validated against the Kubernetes
 * schemas (strict) of each version the chart claims, checkov with no failed check, and what the chart
 * promises (values for every setting, the password only from a Secret, the values schema, sizing).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { NODE_FLAGS } from '../../src/config/node-flags.js';
import {
  ALL_ON_VALUES,
  CHART,
  deploymentOf,
  imageConfig,
  KUBERNETES_VERSIONS,
  type Manifest,
  renderChart,
  ROOT,
  run,
  TOOL,
} from './deploy-support.js';
import { DAG_ID_SCHEMA } from '../../src/config/dag-id.rule.js';

// helm, kubernetes-validate and checkov are separate programs (checkov takes ~10 s a run on this machine).
jest.setTimeout(180_000);

const renders: Record<string, { yaml: string; manifests: Manifest[]; file: string }> = {};
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'airflow-status-chart-'));
  for (const [name, files] of Object.entries({ defaults: [], 'all-on': [ALL_ON_VALUES] })) {
    const render = await renderChart(files);
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, render.yaml);
    renders[name] = { ...render, file };
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kinds = (name: string) => renders[name].manifests.map((m) => m.kind).sort();

describe('helm', () => {
  it.each([
    ['defaults', []],
    ['everything on', ['-f', ALL_ON_VALUES]],
  ])('lints --strict with %s', async (_name, args) => {
    const result = await run(TOOL.helm, ['lint', '--strict', CHART, ...args, '--kube-version', KUBERNETES_VERSIONS.at(-1)!]);
    expect(result.stderr + result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it('renders only the Deployment, its Service and ServiceAccount by default; everything with the all-on values', () => {
    expect(kinds('defaults')).toEqual(['Deployment', 'Service', 'ServiceAccount']);
    expect(kinds('all-on')).toEqual([
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
  });

  it('rejects bad values at install (values.schema.json) and a grace period too short for the shutdown', async () => {
    const cases: [string, RegExp][] = [
      ['config.airflowAuth=oauth', /airflowAuth/],
      ['config.flaskPort=70000', /flaskPort/],
      ['config.targetDagId=bad id', /targetDagId/],
      ['config.logLevel=loud', /logLevel/],
      ['config.airflowWebserver=ftp://airflow', /airflowWebserver/],
      ['airflow.password=secret', /additional properties 'password'/],
      ['access.tokens=secret', /additional properties 'tokens'/],
      ['config.accessTrustedHeader=X Forwarded User', /accessTrustedHeader/],
      ['config.accessPublicBadges=yes', /accessPublicBadges/],
      ['config.notifyTypes=failed\\,exploded', /notifyTypes/],
      ['notifications.webhooks=https://hooks.example.com/t0k3n', /additional properties 'webhooks'/],
      ['image.pullPolicy=Sometimes', /pullPolicy/],
      ['terminationGracePeriodSeconds=9', /terminationGracePeriodSeconds \(9\) must be above/],
    ];
    for (const [set, message] of cases) await expect(renderChart([], [set])).rejects.toThrow(message);
  });
});

describe('the rendered manifests', () => {
  it.each(KUBERNETES_VERSIONS)('are valid, strictly, against the schemas of Kubernetes %s', async (version) => {
    const result = await run(
      TOOL.kubernetesValidate,
      ['--strict', '--kubernetes-version', version, renders.defaults.file, renders['all-on'].file],
      {
        cwd: dir,
      },
    );
    const lines = (result.stdout + result.stderr).trim().split('\n');
    const passed = lines.filter((l) => l.startsWith('INFO') && l.includes('passed'));
    // Every manifest but the ServiceMonitor (a CRD of the Prometheus operator, with no schema shipped; checked below).
    const total = renders.defaults.manifests.length + renders['all-on'].manifests.length;
    expect(passed).toHaveLength(total - 1);
    expect(lines.filter((l) => !passed.includes(l))).toEqual([
      expect.stringMatching(/^WARN .*Couldn't find schema for kind ServiceMonitor with api version monitoring\.coreos\.com\/v1/),
    ]);
    expect(result.code).toBe(0);
  });

  it('have a ServiceMonitor that scrapes /metrics on the Service port', () => {
    const monitor = renders['all-on'].manifests.find((m) => m.kind === 'ServiceMonitor')!;
    const service = renders['all-on'].manifests.find((m) => m.kind === 'Service')!;
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
    expect(spec.selector.matchLabels).toEqual((service.spec as { selector: Record<string, string> }).selector);
    expect(spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    // With access control on, Prometheus sends a bearer token read from a Secret.
    expect(spec.endpoints[0]).toMatchObject({
      authorization: { type: 'Bearer', credentials: { name: 'airflow-status-api-access', key: 'scrape-token' } },
    });
  });

  it.each(['defaults', 'all-on'])('pass checkov (%s) with no failed check; each skipped one has its reason in the chart', async (name) => {
    const result = await run(
      TOOL.checkov,
      ['-f', renders[name].file, '--framework', 'kubernetes', '--skip-download', '--compact', '-o', 'json'],
      {
        cwd: dir,
        env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', LOG_LEVEL: 'ERROR' },
      },
    );
    const report = JSON.parse(result.stdout) as {
      summary: { passed: number; failed: number };
      results: { failed_checks: { check_id: string }[] };
    };
    expect(report.results.failed_checks.map((c) => c.check_id)).toEqual([]);
    expect(report.summary.passed).toBeGreaterThan(50);
    const skips = Object.entries(deploymentOf(renders[name].manifests).deployment.metadata.annotations ?? {}).filter(([key]) =>
      key.startsWith('checkov.io/skip'),
    );
    const helpers = readFileSync(path.join(CHART, 'templates/_helpers.tpl'), 'utf8');
    for (const [, value] of skips) {
      const [check, reason] = value.split('=');
      expect(reason.length).toBeGreaterThan(20);
      expect(helpers).toMatch(new RegExp(`- ${check} \\(`));
    }
  });
});

describe('the Deployment', () => {
  const readmeVariables = () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
    return [...table.matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]);
  };

  it("sets every setting of the README's configuration table from values.yaml", () => {
    const all = deploymentOf(renders['all-on'].manifests).container.env.map((e) => e.name);
    const variables = readmeVariables();
    expect(variables.length).toBeGreaterThanOrEqual(16);
    for (const variable of variables) expect(all).toContain(variable);
    const values = readFileSync(path.join(CHART, 'values.yaml'), 'utf8');
    for (const variable of variables) expect(values).toContain(variable);
  });

  it('renders every number as digits: Helm reads values as floats, and 3600000 would reach the service as 3.6e+06, which it refuses', () => {
    for (const render of Object.values(renders)) {
      const env = deploymentOf(render.manifests).container.env.filter(
        (e) => e.value !== undefined && /(_MS|_SIZE|_SECONDS|_STREAMS|_CONCURRENCY|_PORT)$/.test(e.name),
      );
      expect(env.length).toBeGreaterThan(5);
      for (const e of env) expect(`${e.name}=${e.value}`).toMatch(/^[A-Z_]+=\d+$/);
    }
  });

  it("takes the DAG ids the service takes (Airflow's rule, any script) and refuses the others at install", async () => {
    type Property = { pattern: string };
    const schema = JSON.parse(readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')) as {
      properties: { config: { properties: Record<'targetDagId' | 'allowedDagIds', Property> } };
    };
    const { targetDagId, allowedDagIds } = schema.properties.config.properties;
    // The service's one rule (src/config/dag-id.rule.ts), copied into JSON: it must not drift.
    expect(targetDagId.pattern).toBe(DAG_ID_SCHEMA.pattern);
    const id = DAG_ID_SCHEMA.pattern.slice(1, -1);
    expect(allowedDagIds.pattern).toBe(`^(${id}(\\s*,\\s*${id})*)?$`);
    const { container } = deploymentOf(
      (
        await renderChart(
          [],
          [
            'config.targetDagId=entraînement_modèle',
            'config.allowedDagIds=データ_パイプライン',
            'config.maxSuccessAge=26h\\,entraînement_modèle=90m',
          ],
        )
      ).manifests,
    );
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'TARGET_DAG_ID', value: 'entraînement_modèle' },
        { name: 'ALLOWED_DAG_IDS', value: 'データ_パイプライン' },
        { name: 'MAX_SUCCESS_AGE', value: '26h,entraînement_modèle=90m' },
      ]),
    );
    await expect(renderChart([], ['config.targetDagId=mode\u0300le'])).rejects.toThrow(/targetDagId/);
  });

  it('writes whole-number settings as whole numbers, however large (Helm writes 3600000 as 3.6e+06 unless told)', async () => {
    const { container } = deploymentOf((await renderChart([], ['config.dagListPeriodMs=3600000'])).manifests);
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'DAG_LIST_PERIOD_MS', value: '3600000' },
        { name: 'NOTIFY_GIVE_UP_MS', value: '3600000' },
      ]),
    );
  });

  it('takes AIRFLOW_PASSWORD only from an existing Secret, never as a value', () => {
    const byDefault = deploymentOf(renders.defaults.manifests).container.env;
    expect(byDefault.find((e) => e.name === 'AIRFLOW_PASSWORD')).toBeUndefined();
    const withSecret = deploymentOf(renders['all-on'].manifests).container.env.find((e) => e.name === 'AIRFLOW_PASSWORD');
    expect(withSecret).toEqual({ name: 'AIRFLOW_PASSWORD', valueFrom: { secretKeyRef: { name: 'airflow-status-api', key: 'password' } } });
    for (const render of Object.values(renders)) expect(render.manifests.map((m) => m.kind)).not.toContain('Secret');
  });

  it('takes ACCESS_TOKENS only from an existing Secret; access control is off by default, the probes stay public', () => {
    const byDefault = deploymentOf(renders.defaults.manifests).container.env;
    expect(byDefault.filter((e) => e.name.startsWith('ACCESS_'))).toEqual([{ name: 'ACCESS_PUBLIC_BADGES', value: 'false' }]);
    const { container } = deploymentOf(renders['all-on'].manifests);
    expect(container.env.find((e) => e.name === 'ACCESS_TOKENS')).toEqual({
      name: 'ACCESS_TOKENS',
      valueFrom: { secretKeyRef: { name: 'airflow-status-api-access', key: 'tokens' } },
    });
    expect(container.env.find((e) => e.name === 'ACCESS_TRUSTED_HEADER')).toEqual({
      name: 'ACCESS_TRUSTED_HEADER',
      value: 'X-Forwarded-User',
    });
    // The kubelet sends no credentials: the probes are the routes that stay open (@Public).
    const probes = container as unknown as Record<string, { httpGet: { path: string } }>;
    expect(['startupProbe', 'livenessProbe', 'readinessProbe'].map((probe) => probes[probe].httpGet.path)).toEqual([
      '/health/live',
      '/health/live',
      '/health/ready',
    ]);
  });

  it('is locked down: non-root, read-only root filesystem, no capabilities, no escalation, seccomp, no API token', () => {
    const { pod, container } = deploymentOf(renders.defaults.manifests);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    // The same numeric user as the image's (Dockerfile: USER).
    const user = /^USER (\d+):(\d+)$/m.exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))!;
    expect([container.securityContext.runAsUser, container.securityContext.runAsGroup]).toEqual([Number(user[1]), Number(user[2])]);
  });

  it("sizes memory from the benchmark's mixed-load row, measured with the service's node flags", () => {
    const { container } = deploymentOf(renders.defaults.manifests);
    const mib = (q: string) => Number(/^(\d+)Mi$/.exec(q)![1]);
    const latest = JSON.parse(readFileSync(path.join(ROOT, 'bench/results/latest.json'), 'utf8')) as {
      scenarios: { mixed?: { rss: { idle: number; peak: number }; nodeFlags: string[] } };
    };
    const mixed = latest.scenarios.mixed!;
    // MB of the benchmark are MiB (VmRSS kB / 1024).
    expect(mib(container.resources.requests.memory)).toBeGreaterThanOrEqual(mixed.rss.idle);
    expect(mib(container.resources.limits.memory)).toBeGreaterThan(mixed.rss.peak * 1.3);
    // The row ran the service with the flags its entry gives it, as the image's command runs it, and the
    // chart leaves that command alone.
    expect(mixed.nodeFlags).toEqual([...NODE_FLAGS]);
    expect(imageConfig().cmd).toEqual(['node', 'dist/main.js']);
    expect(container).not.toHaveProperty('command');
    expect(container).not.toHaveProperty('args');
  });
});
