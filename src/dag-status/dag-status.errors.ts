import { AirflowError, type AirflowFailureReason } from '../airflow/airflow.errors.js';
import type { ErrorBodyExtension } from '../http/error.dto.js';
import type { DagStatusDto } from './dag-status.dto.js';

/** The same failure (so the same status code), with the last status seen as the body's `last_known`. */
export class DagStatusUnavailableError extends AirflowError implements ErrorBodyExtension {
  readonly reason: AirflowFailureReason;
  override name = 'DagStatusUnavailableError';
  readonly errorBodyExtension: { readonly last_known: DagStatusDto };

  constructor(cause: AirflowError, lastKnown: DagStatusDto) {
    super(cause.message, { cause });
    this.reason = cause.reason;
    this.errorBodyExtension = { last_known: lastKnown };
  }
}
