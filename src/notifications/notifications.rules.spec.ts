import { describe, expect, it } from '@jest/globals';
import { AIRFLOW_FAILURE_REASONS } from '../airflow/airflow.errors.js';
import { NOTIFICATION_TYPES } from '../config/notifications.config.js';
import type { DagOverviewDto } from '../overview/overview.dto.js';
import { NOT_SUCCESS_REASONS } from '../dag-status/dag-status.types.js';
import { follow, notificationId, NOTIFIED_REASONS, UNKNOWN, type Conditions } from './notifications.rules.js';

/** Follows a DAG through its verdicts' reasons (null: success), each with the last finished run's state; what each step sent. */
function walk(steps: Array<string | null | [string | null, string | null]>): string[][] {
  let conditions: Conditions = UNKNOWN;
  return steps.map((step) => {
    const [reason, lastFinished] = Array.isArray(step) ? step : [step, null];
    const next = follow(conditions, reason, lastFinished);
    conditions = next.conditions;
    return next.types;
  });
}

describe('which verdict changes are notified', () => {
  it('sends nothing for where a DAG stands when first seen, whatever it is', () => {
    for (const reason of [null, ...NOT_SUCCESS_REASONS, 'paused', 'import_error']) expect(walk([reason])).toEqual([[]]);
  });

  it('sends failed, then recovered; a run in progress between changes nothing', () => {
    expect(walk([null, 'running', 'failed', 'queued', 'running', 'failed', 'running', null, null])).toEqual([
      [],
      [],
      ['failed'],
      [],
      [],
      [],
      [],
      ['recovered'],
      [],
    ]);
  });

  it('takes a DAG first seen running as its last finished run left it', () => {
    expect(walk([['running', 'failed'], null])).toEqual([[], ['recovered']]);
    expect(walk([['running', 'success'], 'failed'])).toEqual([[], ['failed']]);
    // A new DAG whose first run fails.
    expect(walk(['no_run', 'running', 'failed'])).toEqual([[], [], ['failed']]);
  });

  it('sends stale, and recovered once a success is recent again; a failure of a stale DAG is a change too', () => {
    expect(walk([null, 'stale', null])).toEqual([[], ['stale'], ['recovered']]);
    expect(walk([null, 'stale', 'failed', null])).toEqual([[], ['stale'], ['failed'], ['recovered']]);
  });

  it('sends airflow_unreachable and airflow_back around an outage, whichever way Airflow fails, and no more', () => {
    expect(walk([null, 'airflow_unreachable', 'airflow_timeout', 'airflow_overloaded', null])).toEqual([
      [],
      ['airflow_unreachable'],
      [],
      [],
      ['airflow_back'],
    ]);
  });

  it('after an outage, tells Airflow is back and then what changed meanwhile', () => {
    expect(walk([null, 'airflow_unreachable', 'failed'])).toEqual([[], ['airflow_unreachable'], ['airflow_back', 'failed']]);
    expect(walk(['failed', 'airflow_timeout', 'failed', null])).toEqual([[], ['airflow_unreachable'], ['airflow_back'], ['recovered']]);
  });

  it('does not resend a failure already so before a start while Airflow was down', () => {
    expect(walk(['airflow_unreachable', 'failed', null])).toEqual([[], ['airflow_back'], ['recovered']]);
  });

  it('sends paused and unpaused, and import_error and import_fixed, keeping the outcome they hide', () => {
    expect(walk([null, 'paused', null])).toEqual([[], ['paused'], ['unpaused']]);
    expect(walk(['failed', 'paused', 'failed', null])).toEqual([[], ['paused'], ['unpaused'], ['recovered']]);
    expect(walk([null, 'import_error', 'failed'])).toEqual([[], ['import_error'], ['import_fixed', 'failed']]);
  });

  it('sends budget_burn as an outcome, then recovered once the budget stops burning', () => {
    expect(walk([null, 'budget_burn', 'budget_burn', null])).toEqual([[], ['budget_burn'], [], ['recovered']]);
    expect(walk([null, 'budget_burn', 'failed', null])).toEqual([[], ['budget_burn'], ['failed'], ['recovered']]);
  });

  it('sends overdue, then recovered once a run succeeds; the run starting or going on long changes nothing', () => {
    expect(walk([null, 'overdue', 'running', 'running_long', null])).toEqual([[], ['overdue'], [], [], ['recovered']]);
    expect(walk([null, 'running', 'running_long', 'failed'])).toEqual([[], [], [], ['failed']]);
  });

  it("tells Airflow's scheduler or DAG processor down as Airflow failing, and back", () => {
    expect(walk([null, 'airflow_scheduler_down', 'airflow_dag_processor_down', null])).toEqual([
      [],
      ['airflow_unreachable'],
      [],
      ['airflow_back'],
    ]);
    expect(walk([null, 'overdue', 'airflow_scheduler_down', 'overdue', null])).toEqual([
      [],
      ['overdue'],
      ['airflow_unreachable'],
      ['airflow_back'],
      ['recovered'],
    ]);
  });

  it('maps every reason to a known type, and every Airflow failure but an unknown DAG to airflow_unreachable', () => {
    for (const { type } of Object.values(NOTIFIED_REASONS)) expect(NOTIFICATION_TYPES).toContain(type);
    for (const reason of AIRFLOW_FAILURE_REASONS.filter((r) => r !== 'dag_not_found')) {
      expect(NOTIFIED_REASONS[reason]).toEqual({ type: 'airflow_unreachable', condition: 'airflow' });
    }
    expect(NOTIFIED_REASONS.dag_not_found).toBeUndefined();
  });
});

describe('notificationId', () => {
  const overview = (runId: string | null, state = 'failed', successAt: string | null = '2026-12-01T10:00:00Z') =>
    ({
      dag_id: 'etl',
      last_finished: runId === null ? null : { run_id: runId, state, end_date: null },
      last_success_at: successAt,
      fetched_at: String(Math.random()),
    }) as unknown as DagOverviewDto;

  it('is the same for the same fact whenever and wherever it is seen, and differs for another fact', () => {
    const id = notificationId('failed', overview('manual__1'));
    expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(notificationId('failed', overview('manual__1'))).toBe(id);
    expect(notificationId('failed', overview('manual__2'))).not.toBe(id);
    expect(notificationId('airflow_unreachable', overview('manual__1'))).not.toBe(id);
    expect(notificationId('stale', overview('manual__1', 'success'))).not.toBe(
      notificationId('stale', overview('manual__1', 'success', null)),
    );
  });
});
