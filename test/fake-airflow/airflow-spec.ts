/**
 * The official Airflow 3 OpenAPI documents, read from the INSTALLED Airflow (never vendored), and a
 * validator for response bodies against them.
 *
 * Where the files come from, first match wins:
 *   1. `AIRFLOW_OPENAPI_SPEC` = path of `v2-rest-api-generated.yaml` (the simple auth manager's
 *      `v2-simple-auth-manager-generated.yaml` is then looked up next to it in the same package layout,
 *      or taken from `AIRFLOW_SIMPLE_AUTH_OPENAPI_SPEC`);
 *   2. the pinned venv `<repo>/.airflow/venv/bin/python` (made by `npm run airflow:install`, i.e.
 *      `bash scripts/airflow/airflow.sh install`), asked where the `airflow` package lives — without
 *      importing it, which would initialise Airflow;
 *   3. a glob of that venv's `lib/python*\/site-packages/airflow`.
 *
 * OpenAPI 3.1 schemas are JSON Schema 2020-12, so Ajv's 2020 build validates them. Each document's
 * `components.schemas` is registered under its own `$id`, so `$ref: '#/components/schemas/X'`
 * resolves inside the right document. Formats used by the spec (date-time, date, uuid, duration)
 * are checked by small local checks below.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import AjvModule from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';

const Ajv2020 = AjvModule.default;
type Ajv = InstanceType<typeof Ajv2020>;

const execFileAsync = promisify(execFile);

/** Where the files sit inside the `airflow` package of apache-airflow-core 3.x. */
const CORE_SPEC_REL = ['api_fastapi', 'core_api', 'openapi', 'v2-rest-api-generated.yaml'];
const AUTH_SPEC_REL = ['api_fastapi', 'auth', 'managers', 'simple', 'openapi', 'v2-simple-auth-manager-generated.yaml'];

export const INSTALL_HINT =
  'Run `npm run airflow:install` (i.e. `bash scripts/airflow/airflow.sh install`) to install the pinned ' +
  'Airflow into .airflow/venv, or set AIRFLOW_OPENAPI_SPEC to the path of v2-rest-api-generated.yaml.';

/** The parts of an OpenAPI 3.1 document this module reads. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OpenApiOperation | undefined> | undefined>;
  components?: { schemas?: Record<string, JsonSchema> };
}
export interface OpenApiOperation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, OpenApiResponse | undefined>;
}
export interface OpenApiResponse {
  description?: string;
  content?: Record<string, { schema?: JsonSchema } | undefined>;
}
/** A JSON Schema (2020-12) object, as found in the documents. */
export type JsonSchema = { [key: string]: unknown };

export interface SpecDocument {
  /** 'core' = the public REST API; 'simple-auth' = the simple auth manager's `/auth` app. */
  name: 'core' | 'simple-auth';
  file: string;
  /** Prefix to strip from a served path to get the document's path (both documents already use full paths). */
  mountPrefix: string;
  document: OpenApiDocument;
}

export interface AirflowSpec {
  /** apache-airflow-core version of the installation read, or 'unknown' when given by env var. */
  airflowVersion: string;
  core: SpecDocument;
  /** Absent only if the installed Airflow has no simple auth manager spec. */
  simpleAuth?: SpecDocument;
  /** @internal */
  ajv: Ajv;
  /** @internal compiled validators by key */
  cache: Map<string, ValidateFunction>;
}

/** What to validate against: a component schema name, or the declared response of an operation. */
export type SpecTarget = string | { path: string; method: string; status: number | string };

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

async function locateWithPython(python: string): Promise<{ pkgDirs: string[]; version: string }> {
  // find_spec on the top-level package locates it without running airflow/__init__.py.
  const script = [
    'import importlib.util, importlib.metadata as md, json',
    "s = importlib.util.find_spec('airflow')",
    'dirs = list(s.submodule_search_locations or []) if s else []',
    'try:',
    "    v = md.version('apache-airflow-core')",
    'except Exception:',
    "    v = 'unknown'",
    "print(json.dumps({'dirs': dirs, 'version': v}))",
  ].join('\n');
  const { stdout } = await execFileAsync(python, ['-c', script], { timeout: 30_000 });
  const parsed = JSON.parse(stdout.trim()) as { dirs: string[]; version: string };
  return { pkgDirs: parsed.dirs, version: parsed.version };
}

function globSitePackages(venv: string): string[] {
  const lib = path.join(venv, 'lib');
  if (!existsSync(lib)) return [];
  return readdirSync(lib)
    .filter((d) => d.startsWith('python'))
    .map((d) => path.join(lib, d, 'site-packages', 'airflow'))
    .filter((d) => existsSync(d));
}

interface Located {
  coreFile: string;
  authFile?: string;
  version: string;
}

async function locateSpecFiles(): Promise<Located> {
  const fromEnv = process.env.AIRFLOW_OPENAPI_SPEC;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`AIRFLOW_OPENAPI_SPEC=${fromEnv} does not exist. ${INSTALL_HINT}`);
    // <airflow>/api_fastapi/core_api/openapi/<file> -> <airflow>
    const pkgDir = path.resolve(path.dirname(fromEnv), '..', '..', '..');
    const authEnv = process.env.AIRFLOW_SIMPLE_AUTH_OPENAPI_SPEC;
    const authGuess = path.join(pkgDir, ...AUTH_SPEC_REL);
    const authFile = authEnv && existsSync(authEnv) ? authEnv : existsSync(authGuess) ? authGuess : undefined;
    return { coreFile: fromEnv, authFile, version: 'unknown' };
  }

  const venv = path.join(repoRoot(), '.airflow', 'venv');
  const python = path.join(venv, 'bin', 'python');
  const tried: string[] = [];
  let pkgDirs: string[] = [];
  let version = 'unknown';
  if (existsSync(python)) {
    try {
      ({ pkgDirs, version } = await locateWithPython(python));
    } catch (err) {
      tried.push(`${python} failed: ${(err as Error).message.split('\n')[0]}`);
    }
  } else {
    tried.push(`${python} does not exist`);
  }
  if (pkgDirs.length === 0) pkgDirs = globSitePackages(venv);
  for (const dir of pkgDirs) {
    const coreFile = path.join(dir, ...CORE_SPEC_REL);
    if (existsSync(coreFile)) {
      const authFile = path.join(dir, ...AUTH_SPEC_REL);
      return { coreFile, authFile: existsSync(authFile) ? authFile : undefined, version };
    }
    tried.push(`${coreFile} does not exist`);
  }
  throw new Error(`Airflow's OpenAPI spec was not found (${tried.join('; ') || 'no airflow package'}). ${INSTALL_HINT}`);
}

async function readDocument(file: string): Promise<OpenApiDocument> {
  const doc = parseYaml(await readFile(file, 'utf8')) as OpenApiDocument;
  if (!doc || typeof doc !== 'object' || typeof doc.openapi !== 'string' || !doc.paths) {
    throw new Error(`${file} is not an OpenAPI document`);
  }
  if (!doc.openapi.startsWith('3.1')) {
    throw new Error(`${file}: expected OpenAPI 3.1 (JSON Schema 2020-12), found ${doc.openapi}`);
  }
  return doc;
}

// ---- formats -------------------------------------------------------------------------------

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// ISO 8601 durations (P1DT2H, PT0.5S, P2W) — what pydantic emits for timedelta.
const DURATION_RE = /^-?P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

const formats: Record<string, (value: string) => boolean> = {
  date: (v) => {
    const m = DATE_RE.exec(v);
    return !!m && validDate(+m[1], +m[2], +m[3]);
  },
  'date-time': (v) => {
    const m = DATE_TIME_RE.exec(v);
    return !!m && validDate(+m[1], +m[2], +m[3]) && +m[4] < 24 && +m[5] < 60 && +m[6] < 61;
  },
  uuid: (v) => UUID_RE.test(v),
  duration: (v) => DURATION_RE.test(v),
};

// ---- loading --------------------------------------------------------------------------------

const DOC_IDS = { core: 'https://airflow.invalid/core-api.json', 'simple-auth': 'https://airflow.invalid/simple-auth.json' };

function registerDocument(ajv: Ajv, doc: SpecDocument): void {
  ajv.addSchema({ $id: DOC_IDS[doc.name], components: { schemas: doc.document.components?.schemas ?? {} } });
}

let cached: Promise<AirflowSpec> | undefined;

/** Loads (once per process) the installed Airflow's OpenAPI documents. Rejects with INSTALL_HINT if absent. */
export function loadAirflowSpec(): Promise<AirflowSpec> {
  cached ??= (async () => {
    const located = await locateSpecFiles();
    const core: SpecDocument = {
      name: 'core',
      file: located.coreFile,
      mountPrefix: '',
      document: await readDocument(located.coreFile),
    };
    const simpleAuth: SpecDocument | undefined = located.authFile
      ? { name: 'simple-auth', file: located.authFile, mountPrefix: '', document: await readDocument(located.authFile) }
      : undefined;
    // strict: false only tolerates OpenAPI annotations (example, discriminator...) in schemas;
    // required fields, types, enums and formats are all enforced.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    for (const [name, check] of Object.entries(formats)) ajv.addFormat(name, { type: 'string', validate: check });
    registerDocument(ajv, core);
    if (simpleAuth) registerDocument(ajv, simpleAuth);
    return { airflowVersion: located.version, core, simpleAuth, ajv, cache: new Map() };
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

// ---- validating -----------------------------------------------------------------------------

/** Rewrites document-local `#/...` refs so they point into the registered document. */
function anchorRefs(node: unknown, docId: string): unknown {
  if (Array.isArray(node)) return node.map((n) => anchorRefs(n, docId));
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `${docId}${v}` : anchorRefs(v, docId);
    }
    return out;
  }
  return node;
}

function documents(spec: AirflowSpec): SpecDocument[] {
  return spec.simpleAuth ? [spec.core, spec.simpleAuth] : [spec.core];
}

/** A concrete path ('/api/v2/dags/x') against the templates ('/api/v2/dags/{dag_id}'). */
function matchTemplate(doc: OpenApiDocument, concrete: string): OpenApiDocument['paths'][string] {
  // Literal segments win over parameters: try the templates with the fewest parameters first.
  const params = (t: string): number => (t.match(/\{/g) ?? []).length;
  const entries = Object.entries(doc.paths).sort(([a], [b]) => params(a) - params(b));
  for (const [template, item] of entries) {
    const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(concrete)) return item;
  }
  return undefined;
}

/** Finds the JSON schema declared for a response, or explains why there is none. */
export function responseSchema(
  spec: AirflowSpec,
  target: { path: string; method: string; status: number | string },
): { doc: SpecDocument; schema: JsonSchema } | { error: string } {
  const method = target.method.toLowerCase();
  for (const doc of documents(spec)) {
    const local = target.path.startsWith(doc.mountPrefix) ? target.path.slice(doc.mountPrefix.length) : undefined;
    if (local === undefined) continue;
    const item = doc.document.paths[local] ?? matchTemplate(doc.document, local);
    const op = item?.[method];
    if (!op) continue;
    const response = op.responses[String(target.status)] ?? op.responses.default;
    if (!response) {
      return { error: `${doc.file}: ${method.toUpperCase()} ${target.path} declares no ${target.status} response` };
    }
    const schema = response.content?.['application/json']?.schema;
    if (!schema) {
      return { error: `${doc.file}: ${method.toUpperCase()} ${target.path} ${target.status} declares no JSON schema` };
    }
    return { doc, schema };
  }
  return { error: `no operation ${method.toUpperCase()} ${target.path} in the installed Airflow spec` };
}

function compile(spec: AirflowSpec, target: SpecTarget): ValidateFunction | string {
  const key = typeof target === 'string' ? `schema:${target}` : `op:${target.method}:${target.path}:${target.status}`;
  const hit = spec.cache.get(key);
  if (hit) return hit;
  let schema: JsonSchema;
  if (typeof target === 'string') {
    const doc = documents(spec).find((d) => d.document.components?.schemas?.[target]);
    if (!doc) return `no component schema '${target}' in the installed Airflow spec`;
    schema = { $ref: `${DOC_IDS[doc.name]}#/components/schemas/${target}` };
  } else {
    const found = responseSchema(spec, target);
    if ('error' in found) return found.error;
    schema = anchorRefs(found.schema, DOC_IDS[found.doc.name]) as JsonSchema;
  }
  const validate = spec.ajv.compile(schema);
  spec.cache.set(key, validate);
  return validate;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath || '(root)';
  const extra =
    e.keyword === 'additionalProperties'
      ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'`
      : e.keyword === 'enum'
        ? ` ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}`
        : '';
  return `${where} ${e.message ?? e.keyword}${extra}`;
}

/**
 * Validates `body` against a component schema (e.g. 'DAGRunCollectionResponse') or against the schema the spec
 * declares for `{path, method, status}` (path as in the spec, e.g. '/api/v2/dags/{dag_id}/dagRuns', or
 * '/auth/token'). Returns readable errors; [] means valid. A target the spec does not describe is an error too.
 */
export function validateAgainstSpec(spec: AirflowSpec, target: SpecTarget, body: unknown): string[] {
  const validate = compile(spec, target);
  if (typeof validate === 'string') return [validate];
  if (validate(body)) return [];
  // anyOf failures list every branch; keep the messages short and unique.
  return [...new Set((validate.errors ?? []).map(describe))];
}
