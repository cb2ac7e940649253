import type { NotificationType, WebhookFormat } from '../config/notifications.config.js';
import type { Notification } from './notifications.types.js';

/** A request body and its media type. */
export interface WireBody {
  readonly contentType: string;
  readonly body: string;
}

/** CloudEvents `type`s: reverse-DNS-like, one per notification type. */
const CLOUDEVENT_TYPE_PREFIX = 'airflow-status-api.dag.';

/** How Slack words each type: an emoji, and what happened after the DAG's name. */
const SLACK_WORDS: Readonly<Record<NotificationType, { emoji: string; words: string }>> = {
  failed: { emoji: ':red_circle:', words: 'failed' },
  stale: { emoji: ':large_orange_circle:', words: 'has not succeeded recently enough (stale)' },
  overdue: { emoji: ':alarm_clock:', words: 'is overdue' },
  budget_burn: { emoji: ':chart_with_downwards_trend:', words: 'is burning its error budget fast' },
  paused: { emoji: ':double_vertical_bar:', words: 'was paused' },
  import_error: { emoji: ':warning:', words: 'no longer imports' },
  airflow_unreachable: { emoji: ':warning:', words: 'is unknown: Airflow cannot be read' },
  recovered: { emoji: ':large_green_circle:', words: 'recovered' },
  unpaused: { emoji: ':arrow_forward:', words: 'was unpaused' },
  import_fixed: { emoji: ':white_check_mark:', words: 'imports again' },
  airflow_back: { emoji: ':white_check_mark:', words: 'can be read again: Airflow answers' },
};

/** Reasons whose type another reason shares, in words of their own: Airflow can be read, but does not run anything. */
const SLACK_REASON_WORDS: Readonly<Record<string, { emoji: string; words: string }>> = {
  airflow_scheduler_down: { emoji: ':warning:', words: "does not run: Airflow's scheduler is down" },
  airflow_dag_processor_down: { emoji: ':warning:', words: "may run outdated code: Airflow's DAG processor is down" },
};

/** Failed tasks listed in a Slack message at most (the rest are counted). */
const SLACK_TASKS = 5;

/** The body a webhook of `format` gets for the notification. */
export function render(notification: Notification, format: WebhookFormat): WireBody {
  return format === 'slack' ? slackMessage(notification) : cloudEvent(notification);
}

/** CloudEvents 1.0, structured JSON mode: the attributes and the DAG's overview as `data`. */
export function cloudEvent(notification: Notification): WireBody {
  const event = {
    specversion: '1.0',
    id: notification.id,
    // The DAG as this service names it: the same for every replica.
    source: `/api/dags/${encodeURIComponent(notification.dagId)}`,
    type: `${CLOUDEVENT_TYPE_PREFIX}${notification.type}`,
    subject: notification.dagId,
    time: notification.time,
    datacontenttype: 'application/json',
    data: notification.overview,
  };
  return { contentType: 'application/cloudevents+json; charset=utf-8', body: JSON.stringify(event) };
}

/** A Slack incoming-webhook message: `text` (notifications, and clients without blocks) and blocks. */
export function slackMessage(notification: Notification): WireBody {
  const { overview, type, dagId } = notification;
  const { emoji, words } =
    (overview.reason !== null && type === 'airflow_unreachable' ? SLACK_REASON_WORDS[overview.reason] : undefined) ?? SLACK_WORDS[type];
  const link = `<${escape(overview.airflow_url).replace(/\|/g, '%7C')}|${escape(dagId)}>`;
  const facts = [
    overview.run_id === null ? 'no run' : `run \`${escape(overview.run_id)}\` ${escape(overview.state ?? '')}`,
    overview.last_success_at === null ? 'never succeeded' : `last success ${escape(overview.last_success_at)}`,
  ];
  const tasks = overview.failed_tasks.slice(0, SLACK_TASKS).map((task) => `<${escape(task.log_url)}|${escape(task.task_id)}>`);
  if (tasks.length > 0) {
    const more = overview.failed_tasks.length - tasks.length;
    facts.push(`failed tasks: ${tasks.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  const message = {
    text: `${emoji} ${escape(dagId)} ${words}: ${escape(overview.explanation)}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${emoji} *${link}* ${words}\n${escape(overview.explanation)}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join(' · ') }] },
    ],
  };
  return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(message) };
}

/** Slack's mrkdwn escapes: only these three are control characters. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
