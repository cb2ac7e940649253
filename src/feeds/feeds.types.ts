import type { DagRun } from '../airflow/airflow.types.js';
import type { NotificationType } from '../config/notifications.config.js';
import type { FailedTask } from '../mirror/mirror.types.js';

/**
 * What an entry says happened, named as the notifications name the same change ("Alerts"), plus
 * `succeeded`: the DAG's first finished run, when it succeeded.
 */
export type FeedEntryKind = Extract<NotificationType, 'failed' | 'recovered' | 'paused' | 'import_error'> | 'succeeded';

/** One entry of a feed: a fact derived from Airflow's runs and the DAG's attributes, never from the process. */
export interface FeedEntry {
  /** A tag: URI of the Airflow, the DAG, the run and the kind: the same for the same fact after a restart or in a replica. */
  readonly id: string;
  readonly dagId: string;
  readonly kind: FeedEntryKind;
  /** The run that changed the outcome; for `paused` and `import_error`, the last finished run they were seen after. */
  readonly run: DagRun;
  /** The finished run before `run`, whose outcome differed; null for the DAG's first finished run and for conditions. */
  readonly previous: DagRun | null;
  /** When `run` ended (RFC 3339, UTC). */
  readonly updated: string;
  /** Its failed tasks, when it failed and they are known (the mirror reads them for the last finished run only). */
  readonly failedTasks: readonly FailedTask[];
  /** The run in the Airflow UI. */
  readonly airflowUrl: string;
  /** For `import_error`: the DAG's file, as Airflow names it. */
  readonly file: string | null;
  /** For `import_error`: the first line of the error, as Airflow's import errors list it (scrubbed), when known. */
  readonly error: string | null;
}

/** A feed as the renderer writes it. */
export interface Feed {
  readonly id: string;
  readonly title: string;
  readonly subtitle: string;
  /** The newest entry's time, else the newest run's, else the epoch (RFC 3339). */
  readonly updated: string;
  /** The feed's own path on this service. */
  readonly self: string;
  /** The page for people it follows: the DAG in Airflow, or /dags. */
  readonly alternate: string;
  readonly entries: readonly FeedEntry[];
}
