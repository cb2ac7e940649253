/**
 * The OpenAPI documents of the INSTALLED pinned Airflow (never vendored), and a validator of response bodies
 * against them. They are read from `<repo>/.airflow/venv` (made by `npm run airflow:install`): the core REST
 * API's document, and the simple auth manager's, which describes `POST /auth/token`.
 *
 * OpenAPI 3.1 schemas are JSON Schema 2020-12, so Ajv's 2020 build validates them. Each document is registered
 * whole under its own id, so a response schema is addressed by a JSON pointer into it and its
 * `$ref: '#/components/schemas/X'` resolve inside the same document.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';

const Ajv2020 = AjvModule.default;
type Ajv = InstanceType<typeof Ajv2020>;

export const INSTALL_HINT =
  'Run `npm run airflow:install` (i.e. `bash scripts/airflow/airflow.sh install`) to install the pinned ' + 'Airflow into .airflow/venv.';

/** A JSON Schema (2020-12) object, as found in the documents. */
export type JsonSchema = { [key: string]: unknown };

/** The parts of an OpenAPI 3.1 document the tests read. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown> | undefined>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface AirflowSpec {
  /** The installed apache-airflow-core version. */
  airflowVersion: string;
  /** The public REST API (`/api/v2/...`). */
  core: OpenApiDocument;
  /** The simple auth manager's app (`/auth/token`). */
  simpleAuth: OpenApiDocument;
  ajv: Ajv;
}

/** A response the spec declares: the path as templated in the spec, e.g. '/api/v2/dags/{dag_id}/dagRuns'. */
export interface SpecTarget {
  path: string;
  method: string;
  status: number;
}

const DOCUMENTS = {
  core: { id: 'https://airflow.invalid/core-api.json', file: ['api_fastapi', 'core_api', 'openapi', 'v2-rest-api-generated.yaml'] },
  simpleAuth: {
    id: 'https://airflow.invalid/simple-auth.json',
    file: ['api_fastapi', 'auth', 'managers', 'simple', 'openapi', 'v2-simple-auth-manager-generated.yaml'],
  },
} as const;

/** The formats the documents use on response fields; Ajv ignores (with a warning) any other. */
const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** site-packages of the pinned venv, and the apache-airflow-core version installed there. */
function locateInstall(): { sitePackages: string; version: string } {
  const lib = path.join(repoRoot(), '.airflow', 'venv', 'lib');
  const pythons = existsSync(lib) ? readdirSync(lib).filter((d) => d.startsWith('python')) : [];
  for (const python of pythons) {
    const sitePackages = path.join(lib, python, 'site-packages');
    const distInfo = existsSync(sitePackages)
      ? readdirSync(sitePackages).find((d) => /^apache_airflow_core-.+\.dist-info$/.test(d))
      : undefined;
    if (distInfo) return { sitePackages, version: distInfo.replace(/^apache_airflow_core-|\.dist-info$/g, '') };
  }
  throw new Error(`apache-airflow-core is not installed in ${lib}. ${INSTALL_HINT}`);
}

async function readDocument(sitePackages: string, file: readonly string[]): Promise<OpenApiDocument> {
  const where = path.join(sitePackages, 'airflow', ...file);
  if (!existsSync(where)) throw new Error(`${where} does not exist. ${INSTALL_HINT}`);
  const doc = parseYaml(await readFile(where, 'utf8')) as OpenApiDocument;
  if (typeof doc?.openapi !== 'string' || !doc.openapi.startsWith('3.1')) {
    throw new Error(`${where}: expected an OpenAPI 3.1 document (JSON Schema 2020-12)`);
  }
  return doc;
}

let cached: Promise<AirflowSpec> | undefined;

/** Loads (once per process) the installed Airflow's OpenAPI documents. Rejects with INSTALL_HINT if absent. */
export function loadAirflowSpec(): Promise<AirflowSpec> {
  cached ??= (async () => {
    const { sitePackages, version } = locateInstall();
    const core = await readDocument(sitePackages, DOCUMENTS.core.file);
    const simpleAuth = await readDocument(sitePackages, DOCUMENTS.simpleAuth.file);
    // strict: false only tolerates OpenAPI's own keywords (example, discriminator...) in schemas;
    // required fields, types, enums and the formats above are all enforced.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    for (const [name, re] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate: (v: string) => re.test(v) });
    ajv.addSchema(core, DOCUMENTS.core.id);
    ajv.addSchema(simpleAuth, DOCUMENTS.simpleAuth.id);
    return { airflowVersion: version, core, simpleAuth, ajv };
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

function pointer(...tokens: string[]): string {
  return tokens.map((t) => encodeURIComponent(t.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
}

function explain(e: ErrorObject): string {
  const extra =
    e.keyword === 'additionalProperties'
      ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'`
      : e.keyword === 'enum'
        ? ` ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}`
        : '';
  return `${e.instancePath || '(root)'} ${e.message ?? e.keyword}${extra}`;
}

/**
 * Validates `body` against the JSON schema the spec declares for `{path, method, status}`. Returns readable
 * errors; [] means valid. A response the spec does not declare is an error too.
 */
export function validateAgainstSpec(spec: AirflowSpec, target: SpecTarget, body: unknown): string[] {
  const method = target.method.toLowerCase();
  const status = String(target.status);
  const name = `${method.toUpperCase()} ${target.path} ${status}`;
  const docKey = target.path.startsWith('/auth/') ? 'simpleAuth' : 'core';
  const operation = spec[docKey].paths[target.path]?.[method] as
    { responses?: Record<string, { content?: Record<string, unknown> }> } | undefined;
  if (!operation?.responses?.[status]?.content?.['application/json']) return [`the installed Airflow spec declares no JSON ${name}`];
  const validate = spec.ajv.getSchema(
    `${DOCUMENTS[docKey].id}#/${pointer('paths', target.path, method, 'responses', status, 'content', 'application/json', 'schema')}`,
  );
  if (!validate) return [`no schema for ${name}`];
  if (validate(body)) return [];
  // anyOf failures list every branch; keep the messages short and unique.
  return [...new Set((validate.errors ?? []).map(explain))];
}
