import type { ConditionReason, DagOverview } from '../dag-status/dag-status.types.js';
import type { Reliability } from '../reliability/reliability.types.js';

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
  'budget burn': 'orange',
};

/** The badge's word for what keeps a DAG from running (issue 18). */
const CONDITION_MESSAGES: Record<ConditionReason, string> = {
  import_error: 'import error',
  paused: 'paused',
  airflow_scheduler_down: 'scheduler down',
  airflow_dag_processor_down: 'dag processor down',
  running_long: 'running long',
  overdue: 'overdue',
  budget_burn: 'budget burn',
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
    case 'budget_burn':
      return CONDITION_MESSAGES[overview.reason];
    default:
      // Another state Airflow may add: said as it is (escaped by badge-maker).
      return overview.run?.state ?? 'unknown';
  }
}

/**
 * A reliability badge: the ratio over the window as "99.2 %", rounded down (99.96 % is not 100 %);
 * green when it meets the DAG's objective on it, red when not; without one, by bands. "no data" without
 * a run to count, "unknown" while the DAG's past is not read or Airflow cannot be read, "no <window> window"
 * for a window RELIABILITY_WINDOWS does not list.
 */
export function reliabilityBadgeOf(
  overview: DagOverview,
  figures: Reliability | null,
  metric: { metric: 'success' | 'on_time'; windowMs: number | null; name: string },
  label: string,
): Badge {
  if (figures !== null && !figures.windows.some((w) => w.windowMs === metric.windowMs)) {
    return { label, message: `no ${metric.name.slice(metric.name.lastIndexOf('_') + 1)} window`, color: 'lightgrey', isError: true };
  }
  const window = figures?.windows.find((w) => w.windowMs === metric.windowMs);
  if (overview.airflowError !== null || window === undefined) return { label, message: 'unknown', color: 'lightgrey', isError: true };
  const ratio = metric.metric === 'success' ? window.successRatio : window.onTime.ratio;
  if (ratio === null) return { label, message: 'no data', color: 'lightgrey', isError: false };
  const objective = figures!.objectives.find((o) => o.metric === metric.metric && o.windowMs === metric.windowMs);
  const color =
    objective !== undefined
      ? ratio >= objective.target
        ? 'brightgreen'
        : 'red'
      : ratio >= 0.99
        ? 'brightgreen'
        : ratio >= 0.95
          ? 'green'
          : ratio >= 0.9
            ? 'yellow'
            : ratio >= 0.8
              ? 'orange'
              : 'red';
  // Rounded down to a tenth of a percent, on integers so that float noise cannot round 0.992 to 99.1.
  const tenths = Math.floor(Math.round(ratio * 1e6) / 1e3);
  return { label, message: `${(tenths / 10).toFixed(1)} %`, color, isError: false };
}

/** Loaded with the first badge, not at start: its font metrics cost ~11 MB of RSS. */
let badgeMaker: Promise<typeof import('badge-maker')> | undefined;

/** The flat shields.io SVG (badge-maker escapes label and message). */
export async function renderBadgeSvg(badge: Badge): Promise<string> {
  badgeMaker ??= import('badge-maker');
  const { makeBadge } = await badgeMaker;
  return makeBadge({ label: badge.label, message: badge.message, color: badge.color, style: 'flat' });
}
