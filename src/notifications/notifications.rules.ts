import { createHash } from 'node:crypto';
import type { NotificationType } from '../config/notifications.config.js';
import type { DagOverviewDto } from '../overview/overview.dto.js';

/**
 * What a DAG's notifications follow: its outcome, and the conditions that hide it (Airflow cannot
 * be read, or its scheduler or DAG processor is down; the DAG is paused; its file does not import).
 * Each ends with a notification of its own.
 */
type Condition = 'outcome' | 'airflow' | 'paused' | 'import';

/** The types that say a condition began (the others say one ended). */
type BeganType = Exclude<NotificationType, 'recovered' | 'unpaused' | 'import_fixed' | 'airflow_back'>;

/**
 * The verdict reasons that are notified, each with its type and the condition it sets: a new
 * reason becomes a notification by one entry here. Reasons not listed (`running`, `running_long`,
 * `queued`, `no_run`, `other_state`, `dag_not_found`) say nothing new about the outcome: it stays as
 * it was (a run in progress, however long, has not ended). Airflow's scheduler or DAG processor down
 * is Airflow failing as a whole, as when it cannot be read: `airflow_unreachable`, then `airflow_back`.
 */
export const NOTIFIED_REASONS: Readonly<Record<string, { type: BeganType; condition: Condition }>> = {
  failed: { type: 'failed', condition: 'outcome' },
  stale: { type: 'stale', condition: 'outcome' },
  overdue: { type: 'overdue', condition: 'outcome' },
  budget_burn: { type: 'budget_burn', condition: 'outcome' },
  paused: { type: 'paused', condition: 'paused' },
  import_error: { type: 'import_error', condition: 'import' },
  airflow_unreachable: { type: 'airflow_unreachable', condition: 'airflow' },
  airflow_timeout: { type: 'airflow_unreachable', condition: 'airflow' },
  airflow_overloaded: { type: 'airflow_unreachable', condition: 'airflow' },
  airflow_auth_refused: { type: 'airflow_unreachable', condition: 'airflow' },
  airflow_bad_response: { type: 'airflow_unreachable', condition: 'airflow' },
  config_mismatch: { type: 'airflow_unreachable', condition: 'airflow' },
  airflow_scheduler_down: { type: 'airflow_unreachable', condition: 'airflow' },
  airflow_dag_processor_down: { type: 'airflow_unreachable', condition: 'airflow' },
};

/** What is sent when a condition ends. */
const ENDED: Readonly<Record<Condition, NotificationType>> = {
  airflow: 'airflow_back',
  paused: 'unpaused',
  import: 'import_fixed',
  outcome: 'recovered',
};

/** Ends are sent before beginnings: "Airflow is back", then "the DAG failed meanwhile". */
const ORDER: readonly Condition[] = ['airflow', 'paused', 'import', 'outcome'];

/** Per condition: the type it stands at, null when it is not on, undefined while not known (nothing seen yet). */
export type Conditions = Readonly<Record<Condition, BeganType | null | undefined>>;

export const UNKNOWN: Conditions = { airflow: undefined, paused: undefined, import: undefined, outcome: undefined };

/**
 * The DAG's conditions once its verdict has `reason` (null: a success), and what to notify.
 * Airflow's failure hides everything else, so it changes nothing else; any other verdict means
 * Airflow answered. Paused and import errors hide the outcome; an outcome's reason (a success, a
 * failure, or a run in progress) means they are over. A run in progress keeps the outcome as it
 * was (or, not known yet, takes the last finished run's: failed or not). A condition seen for the first time is
 * where the DAG stands, not a change: only a change from a known state is notified, so a start
 * (or a restart) sends nothing for what was already so.
 * @param lastFinished the state of the DAG's last finished run (`success`, `failed`), if any
 */
export function follow(
  previous: Conditions,
  reason: string | null,
  lastFinished: string | null = null,
): { conditions: Conditions; types: NotificationType[] } {
  const rule = reason === null ? undefined : NOTIFIED_REASONS[reason];
  const next: Record<Condition, BeganType | null | undefined> = { ...previous };
  if (rule?.condition === 'airflow') next.airflow = rule.type;
  else {
    next.airflow = null;
    if (rule !== undefined && rule.condition !== 'outcome') next[rule.condition] = rule.type;
    else {
      next.paused = null;
      next.import = null;
      if (rule !== undefined) next.outcome = rule.type;
      else if (reason === null) next.outcome = null;
      else if (previous.outcome === undefined) next.outcome = lastFinished === 'failed' ? 'failed' : null;
    }
  }
  const ended = ORDER.filter((c) => next[c] === null && previous[c] != null).map((c) => ENDED[c]);
  const began = ORDER.filter((c) => next[c] != null && previous[c] !== undefined && next[c] !== previous[c]).map(
    (c) => next[c] as BeganType,
  );
  return { conditions: next, types: [...ended, ...began] };
}

/**
 * A notification's id, from what happened rather than from the process: the DAG, the type and
 * the runs it is about (the last finished run, the last success). A restart or a second replica
 * that sees the same fact makes the same id, so receivers can deduplicate (Standard Webhooks'
 * `webhook-id`, CloudEvents' `id`).
 */
export function notificationId(type: NotificationType, overview: DagOverviewDto): string {
  const fact = [
    'v1',
    overview.dag_id,
    type,
    overview.last_finished?.run_id ?? null,
    overview.last_finished?.state ?? null,
    overview.last_success_at,
  ];
  return `msg_${createHash('sha256').update(JSON.stringify(fact)).digest('hex').slice(0, 32)}`;
}
