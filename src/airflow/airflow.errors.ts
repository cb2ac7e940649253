/**
 * Failures of the Airflow boundary, in our own words. The Airflow client is the
 * only place that creates them; the HTTP layer maps each to a status code.
 */
export type AirflowFailureReason =
  | 'airflow_unreachable'
  | 'airflow_timeout'
  | 'airflow_auth_refused'
  | 'airflow_bad_response'
  | 'dag_not_found';

export abstract class AirflowError extends Error {
  abstract readonly reason: AirflowFailureReason;
  /** The HTTP status our API answers with for this failure. */
  abstract readonly httpStatus: number;
}

/** Airflow could not be reached (connection refused, DNS, reset, 502/503 from a proxy in front). */
export class AirflowUnreachableError extends AirflowError {
  readonly reason = 'airflow_unreachable';
  readonly httpStatus = 503;
  override name = 'AirflowUnreachableError';
}

/** Airflow did not answer within AIRFLOW_TIMEOUT_MS. */
export class AirflowTimeoutError extends AirflowError {
  readonly reason = 'airflow_timeout';
  readonly httpStatus = 504;
  override name = 'AirflowTimeoutError';
}

/** Airflow refused the configured credentials (or the user lacks the permission). */
export class AirflowAuthError extends AirflowError {
  readonly reason = 'airflow_auth_refused';
  readonly httpStatus = 503;
  override name = 'AirflowAuthError';
}

/** Airflow answered something that is not what its API specification says. */
export class AirflowBadResponseError extends AirflowError {
  readonly reason = 'airflow_bad_response';
  readonly httpStatus = 502;
  override name = 'AirflowBadResponseError';
}

/** Airflow does not know the DAG. */
export class DagNotFoundError extends AirflowError {
  readonly reason = 'dag_not_found';
  readonly httpStatus = 404;
  override name = 'DagNotFoundError';
  constructor(readonly dagId: string) {
    super(`DAG "${dagId}" was not found`);
  }
}
