import type { ConditionReason, DagOverview } from '../dag-status/dag-status.types.js';

/** What a badge says about a DAG, the same for the SVG and the shields.io endpoint. */
export interface Badge {
  label: string;
  message: string;
  /** A shields.io colour name. */
  color: string;
  /** The state is unknown because Airflow cannot be read. */
  isError: boolean;
}

/** Colours as shields.io badges use them for build states. */
const COLORS: Record<string, string> = {
  success: 'brightgreen',
  failed: 'red',
  running: 'blue',
  queued: 'lightgrey',
  stale: 'orange',
  unknown: 'lightgrey',
  'no runs': 'lightgrey',
  overdue: 'orange',
  'running long': 'orange',
  paused: 'lightgrey',
  'import error': 'red',
  'scheduler down': 'red',
  'dag processor down': 'orange',
};

/** The badge's word for what keeps a DAG from running (issue 18). */
const CONDITION_MESSAGES: Record<ConditionReason, string> = {
  import_error: 'import error',
  paused: 'paused',
  airflow_scheduler_down: 'scheduler down',
  airflow_dag_processor_down: 'dag processor down',
  running_long: 'running long',
  overdue: 'overdue',
};

/**
 * The badge of a DAG from its overview: the verdict's word for it, so VERDICT_BASIS and
 * MAX_SUCCESS_AGE apply as on the pages.
 */
export function badgeOf(overview: DagOverview, label: string): Badge {
  const message = messageOf(overview);
  return { label, message, color: COLORS[message] ?? 'yellow', isError: overview.airflowError !== null };
}

function messageOf(overview: DagOverview): string {
  if (overview.airflowError !== null) return 'unknown';
  switch (overview.reason) {
    case null:
      return 'success';
    case 'stale':
      return 'stale';
    case 'failed':
      return 'failed';
    case 'running':
    case 'queued':
      return overview.reason;
    case 'no_run':
      return 'no runs';
    case 'import_error':
    case 'paused':
    case 'airflow_scheduler_down':
    case 'airflow_dag_processor_down':
    case 'running_long':
    case 'overdue':
      return CONDITION_MESSAGES[overview.reason];
    default:
      // Another state Airflow may add: said as it is (escaped by badge-maker).
      return overview.run?.state ?? 'unknown';
  }
}

/** Loaded with the first badge, not at start: its font metrics cost ~11 MB of RSS. */
let badgeMaker: Promise<typeof import('badge-maker')> | undefined;

/** The flat shields.io SVG (badge-maker escapes label and message). */
export async function renderBadgeSvg(badge: Badge): Promise<string> {
  badgeMaker ??= import('badge-maker');
  const { makeBadge } = await badgeMaker;
  return makeBadge({ label: badge.label, message: badge.message, color: badge.color, style: 'flat' });
}
