import { registerAs } from '@nestjs/config';
import { ConfigValidationError, readInt, type Env } from './config.parsers.js';
import { DAG_ID_CHARACTERS, isDagId } from './dag-id.rule.js';

/**
 * WATCH_DAGS: which DAGs the service discovers from Airflow's DAG list, besides ALLOWED_DAG_IDS.
 * `all`, or terms `id:<glob>`, `tag:<name>`, `owner:<name>` separated by commas: terms of one kind
 * are alternatives, kinds must all match (`tag:finance,tag:ml,owner:data-eng` = a finance or ml
 * DAG owned by data-eng). Null: discovery is off and only ALLOWED_DAG_IDS is watched.
 */
export interface DagSelector {
  readonly all: boolean;
  /** DAG id globs (`*` any run of characters, `?` one), as anchored regular expressions. */
  readonly ids: readonly RegExp[];
  readonly tags: readonly string[];
  readonly owners: readonly string[];
  /** The setting as written, for logs and readiness details. */
  readonly text: string;
}

export interface MirrorConfig {
  selector: DagSelector | null;
  /** How often Airflow's DAG list (paused, import errors, next run, tags, owners) is read again. */
  dagListPeriodMs: number;
}

const TERM = /^(id|tag|owner):(.+)$/;
/** A glob over DAG id characters, `*` and `?`. */
const GLOB = new RegExp(`^[*?${DAG_ID_CHARACTERS}]+$`, 'u');

function readSelector(env: Env, name: string): DagSelector | null {
  const text = env[name]?.trim() ?? '';
  if (text === '') return null;
  if (text.toLowerCase() === 'all') return { all: true, ids: [], tags: [], owners: [], text: 'all' };
  const ids: RegExp[] = [];
  const tags: string[] = [];
  const owners: string[] = [];
  for (const part of text.split(',').map((term) => term.trim())) {
    const match = TERM.exec(part);
    if (match === null) {
      throw new ConfigValidationError(
        name,
        `must be "all" or terms such as id:etl_*, tag:finance, owner:data-eng separated by commas (got "${part}")`,
      );
    }
    const value = match[2].trim();
    if (match[1] === 'id') {
      if (!GLOB.test(value)) throw new ConfigValidationError(name, `has an id glob with characters a DAG id cannot hold: "${value}"`);
      ids.push(globToRegExp(value));
    } else if (value.length > 100 || /[\p{Cc},]/u.test(value)) {
      throw new ConfigValidationError(name, `has an invalid ${match[1]}: "${value}"`);
    } else {
      (match[1] === 'tag' ? tags : owners).push(value);
    }
  }
  return { all: false, ids, tags, owners, text };
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'u');
}

export function parseMirrorConfig(env: Env): MirrorConfig {
  return {
    selector: readSelector(env, 'WATCH_DAGS'),
    // A minute: paused flags, import errors and new DAGs show within one, for one paged read of the list.
    dagListPeriodMs: readInt(env, 'DAG_LIST_PERIOD_MS', 60_000, 1000, 3_600_000),
  };
}

/** Whether a DAG with these attributes is selected by WATCH_DAGS. */
export function selects(selector: DagSelector, dag: { dagId: string; tags: readonly string[]; owners: readonly string[] }): boolean {
  if (selector.all) return true;
  if (selector.ids.length > 0 && !selector.ids.some((glob) => glob.test(dag.dagId))) return false;
  if (selector.tags.length > 0 && !selector.tags.some((tag) => dag.tags.includes(tag))) return false;
  if (selector.owners.length > 0 && !selector.owners.some((owner) => dag.owners.includes(owner))) return false;
  return isDagId(dag.dagId);
}

export default registerAs('mirror', () => parseMirrorConfig(process.env));
