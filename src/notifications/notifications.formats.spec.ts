import { describe, expect, it } from '@jest/globals';
import { HTTP } from 'cloudevents';
import type { DagOverviewDto } from '../overview/overview.dto.js';
import { cloudEvent, render, slackMessage } from './notifications.formats.js';
import type { Notification } from './notifications.types.js';

const overview: DagOverviewDto = {
  dag_id: 'Airflow_Lab2',
  state: 'failed',
  run_id: 'manual__2026-12-01T10:00:00+00:00',
  logical_date: null,
  run_after: '2026-12-01T10:00:00Z',
  start_date: '2026-12-01T10:00:01Z',
  end_date: '2026-12-01T10:00:09Z',
  note: null,
  fetched_at: '2026-12-01T10:00:10.000Z',
  last_finished: { run_id: 'manual__2026-12-01T10:00:00+00:00', state: 'failed', end_date: '2026-12-01T10:00:09Z' },
  last_success_at: '2026-11-30T10:00:09Z',
  failed_tasks: Array.from({ length: 7 }, (_, i) => ({
    task_id: i === 0 ? 'load<&>' : `task_${i}`,
    state: 'failed',
    log_url: `http://localhost:8080/dags/Airflow_Lab2/runs/r/tasks/t${i}`,
  })),
  stale: null,
  outcome: 'failure',
  reason: 'failed',
  explanation: 'The latest run failed.',
  airflow_url: 'http://localhost:8080/dags/Airflow_Lab2/runs/manual__2026-12-01T10:00:00+00:00',
  recent_runs: [],
  tags: [],
  airflow_error: null,
};
const notification: Notification = {
  id: 'msg_0123',
  type: 'failed',
  dagId: 'Airflow_Lab2',
  overview,
  time: '2026-12-01T10:00:10.500Z',
  seenAt: 0,
};

describe('the CloudEvents format', () => {
  it('is CloudEvents 1.0 structured JSON, as the SDK reads it, with the overview as data', () => {
    const wire = cloudEvent(notification);
    expect(wire.contentType).toBe('application/cloudevents+json; charset=utf-8');
    const event = HTTP.toEvent({ headers: { 'content-type': wire.contentType }, body: wire.body });
    expect(Array.isArray(event)).toBe(false);
    expect(event).toMatchObject({
      specversion: '1.0',
      id: 'msg_0123',
      source: '/api/dags/Airflow_Lab2',
      type: 'airflow-status-api.dag.failed',
      subject: 'Airflow_Lab2',
      time: '2026-12-01T10:00:10.500Z',
      datacontenttype: 'application/json',
      data: overview,
    });
    expect(render(notification, 'cloudevents')).toEqual(wire);
  });
});

describe('the Slack format', () => {
  it('has a text and blocks, with links and at most five failed tasks, escaped for mrkdwn', () => {
    const wire = slackMessage(notification);
    expect(wire.contentType).toBe('application/json; charset=utf-8');
    const message = JSON.parse(wire.body) as {
      text: string;
      blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
    };
    expect(message.text).toBe(':red_circle: Airflow_Lab2 failed: The latest run failed.');
    expect(message.blocks.map((b) => b.type)).toEqual(['section', 'context']);
    expect(message.blocks[0].text!.text).toBe(`:red_circle: *<${overview.airflow_url}|Airflow_Lab2>* failed\nThe latest run failed.`);
    const context = message.blocks[1].elements![0].text;
    expect(context).toContain('run `manual__2026-12-01T10:00:00+00:00` failed');
    expect(context).toContain('|load&lt;&amp;&gt;>');
    expect(context).toContain('and 2 more');
    expect(context).not.toContain('task_5');
    expect(render(notification, 'slack')).toEqual(wire);
  });

  it('words the end of a condition', () => {
    const back = JSON.parse(slackMessage({ ...notification, type: 'recovered' }).body) as { text: string };
    expect(back.text).toMatch(/^:large_green_circle: Airflow_Lab2 recovered: /);
  });

  it("words Airflow's scheduler down apart from Airflow unreachable, with the overview's explanation", () => {
    const explanation =
      "Airflow's scheduler has sent no heartbeat since 2026-12-01 10:00:00 UTC: nothing is scheduled or run until it is back.";
    const down = {
      ...notification,
      type: 'airflow_unreachable' as const,
      overview: { ...overview, reason: 'airflow_scheduler_down', explanation },
    };
    const message = JSON.parse(slackMessage(down).body) as { text: string };
    expect(message.text).toBe(`:warning: Airflow_Lab2 does not run: Airflow's scheduler is down: ${explanation}`);
    const unreachable = { ...down, overview: { ...overview, reason: 'airflow_unreachable' } };
    expect((JSON.parse(slackMessage(unreachable).body) as { text: string }).text).toMatch(
      /^:warning: Airflow_Lab2 is unknown: Airflow cannot be read: /,
    );
  });
});
