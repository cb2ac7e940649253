/**
 * Failures of the Airflow boundary, in our own words: each says what happened.
 * Only src/airflow creates them; the HTTP edge chooses the status code.
 */
export const AIRFLOW_FAILURE_REASONS = [
  'airflow_unreachable',
  'airflow_timeout',
  'airflow_overloaded',
  'airflow_auth_refused',
  'config_mismatch',
  'airflow_bad_response',
  'dag_not_found',
] as const;
export type AirflowFailureReason = (typeof AIRFLOW_FAILURE_REASONS)[number];

export abstract class AirflowError extends Error {
  abstract readonly reason: AirflowFailureReason;
}

/** Airflow could not be reached (connection refused, DNS, reset, 502/503/504 from a proxy in front). */
export class AirflowUnreachableError extends AirflowError {
  readonly reason = 'airflow_unreachable';
  override name = 'AirflowUnreachableError';
}

/** Airflow did not answer within AIRFLOW_TIMEOUT_MS. */
export class AirflowTimeoutError extends AirflowError {
  readonly reason = 'airflow_timeout';
  override name = 'AirflowTimeoutError';
}

/** Airflow answered that it is too busy (HTTP 429): it is up, and asked to be left alone for a while. */
export class AirflowOverloadedError extends AirflowError {
  readonly reason = 'airflow_overloaded';
  override name = 'AirflowOverloadedError';
}

/** Airflow refused the configured credentials (or the user lacks the permission). */
export class AirflowAuthError extends AirflowError {
  readonly reason = 'airflow_auth_refused';
  override name = 'AirflowAuthError';
}

/** A setting of ours contradicts the Airflow we met (e.g. AIRFLOW_AUTH=jwt on Airflow 2): Airflow itself is fine. */
export class AirflowConfigMismatchError extends AirflowError {
  readonly reason = 'config_mismatch';
  override name = 'AirflowConfigMismatchError';
}

/** Airflow answered something that is not what its API specification says. */
export class AirflowBadResponseError extends AirflowError {
  readonly reason = 'airflow_bad_response';
  override name = 'AirflowBadResponseError';
}

/** Airflow does not know the DAG. */
export class DagNotFoundError extends AirflowError {
  readonly reason = 'dag_not_found';
  override name = 'DagNotFoundError';
  constructor(readonly dagId: string) {
    super(`DAG "${dagId}" was not found`);
  }
}
