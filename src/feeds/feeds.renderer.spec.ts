import { describe, expect, it } from '@jest/globals';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { DagRun } from '../airflow/airflow.types.js';
import { renderFeed } from './feeds.renderer.js';
import type { Feed, FeedEntry } from './feeds.types.js';

function run(runId: string, state: string, note: string | null = null): DagRun {
  return {
    dagId: 'Airflow_Lab2',
    runId,
    state,
    logicalDate: null,
    runAfter: '2026-12-01T01:00:00.000Z',
    startDate: '2026-12-01T01:00:01.000Z',
    endDate: '2026-12-01T01:01:01.000Z',
    note,
    runType: 'manual',
  };
}

function entry(partial: Partial<FeedEntry>): FeedEntry {
  return {
    id: 'tag:airflow-status-api,2026:airflow/dags/Airflow_Lab2/runs/r2/failed',
    dagId: 'Airflow_Lab2',
    kind: 'failed',
    run: run('r2', 'failed'),
    previous: run('r1', 'success'),
    updated: '2026-12-01T01:01:01.000Z',
    failedTasks: [],
    airflowUrl: 'http://airflow/dags/Airflow_Lab2/runs/r2',
    file: null,
    error: null,
    ...partial,
  };
}

function feed(entries: FeedEntry[]): Feed {
  return {
    id: 'tag:airflow-status-api,2026:airflow/dags/Airflow_Lab2',
    title: 'Airflow_Lab2: verdict changes',
    subtitle: 'x',
    updated: '2026-12-01T01:01:01.000Z',
    self: '/api/dags/Airflow_Lab2/feed.atom',
    alternate: 'http://airflow/dags/Airflow_Lab2',
    entries,
  };
}

/** The entries' titles and summaries as an XML parser reads them back. */
function read(xml: string): Array<{ title: string; summary: string; links: string[] }> {
  expect(XMLValidator.validate(xml)).toBe(true);
  const parsed = new XMLParser({
    ignoreAttributes: false,
    htmlEntities: true,
    isArray: (name) => name === 'entry' || name === 'link',
  }).parse(xml) as {
    feed: { entry?: Array<{ title: { '#text': string }; summary: { '#text': string }; link: Array<{ '@_href': string }> }> };
  };
  return (parsed.feed.entry ?? []).map((e) => ({
    title: e.title['#text'],
    summary: e.summary['#text'],
    links: e.link.map((l) => l['@_href']),
  }));
}

describe('renderFeed', () => {
  it('says what happened in plain words, for each kind', () => {
    const xml = renderFeed(
      feed([
        entry({}),
        entry({ kind: 'failed', previous: null }),
        entry({ kind: 'recovered', run: run('r3', 'success'), previous: run('r2', 'failed') }),
        entry({ kind: 'succeeded', run: run('r1', 'success'), previous: null }),
        entry({ kind: 'paused', previous: null, run: run('r2', 'failed', 'a note of the run, not of the pause') }),
        entry({ kind: 'import_error', previous: null, run: run('r3', 'success'), file: 'dags/lab2.py' }),
        entry({ kind: 'import_error', previous: null, run: run('r3', 'success'), file: 'lab2.py', error: 'SyntaxError: invalid syntax' }),
      ]),
    );
    expect(read(xml).map(({ title, summary }) => [title, summary])).toEqual([
      ['Airflow_Lab2 failed', 'Run r2 failed after run r1 had succeeded.'],
      ['Airflow_Lab2 failed', "Run r2 failed; it is the DAG's first finished run."],
      ['Airflow_Lab2 recovered', 'Run r3 succeeded after run r2 had failed.'],
      ['Airflow_Lab2 succeeded', "Run r1 succeeded; it is the DAG's first finished run."],
      [
        'Airflow_Lab2 is paused',
        'The DAG is paused in Airflow: no run is scheduled until it is unpaused. Its last finished run, r2, failed.',
      ],
      [
        'Airflow_Lab2 does not import',
        "Airflow cannot import the DAG's file (dags/lab2.py): its changes do not take effect until the error is fixed. Its last finished run, r3, succeeded.",
      ],
      [
        'Airflow_Lab2 does not import',
        "Airflow cannot import the DAG's file (lab2.py: SyntaxError: invalid syntax): its changes do not take effect until the error is fixed. Its last finished run, r3, succeeded.",
      ],
    ]);
  });

  it('names at most 10 failed tasks, each linked to its log', () => {
    const failedTasks = Array.from({ length: 12 }, (_, i) => ({ taskId: `t${i}`, state: 'failed', logUrl: `http://airflow/log/t${i}` }));
    const [read1] = read(renderFeed(feed([entry({ failedTasks })])));
    expect(read1.summary).toBe(
      `Run r2 failed after run r1 had succeeded. Failed tasks: ${failedTasks
        .slice(0, 10)
        .map((t) => `${t.taskId} (failed)`)
        .join(', ')} and 2 more.`,
    );
    expect(read1.links).toEqual([
      'http://airflow/dags/Airflow_Lab2/runs/r2',
      '/dags?q=Airflow_Lab2',
      ...failedTasks.slice(0, 10).map((t) => t.logUrl),
    ]);
  });

  it("keeps Airflow's text as text: escaped, without the characters XML 1.0 forbids", () => {
    const note = '</summary><script>alert("x")</script> & \u0000\u0007\u001B[31m \uFFFE';
    const task = { taskId: 'a"b<c>&', state: 'failed', logUrl: 'http://airflow/log?a=1&b="2"' };
    const xml = renderFeed(feed([entry({ run: run('r2', 'failed', note), failedTasks: [task] })]));
    expect(xml).not.toContain('<script');
    // XML 1.0's forbidden characters, but those escaping left (none may be).
    expect([...xml].filter((c) => (c < ' ' && !'\t\n\r'.includes(c)) || c === '\uFFFE')).toEqual([]);
    const [parsed] = read(xml);
    expect(parsed.summary).toBe(
      'Run r2 failed after run r1 had succeeded. Failed tasks: a"b<c>& (failed). Note on the run: </summary><script>alert("x")</script> & [31m',
    );
    expect(parsed.links[2]).toBe('http://airflow/log?a=1&b="2"');
  });

  it('is a valid document without entries', () => {
    const xml = renderFeed(feed([]));
    expect(read(xml)).toEqual([]);
    expect(xml).toContain('<updated>2026-12-01T01:01:01.000Z</updated>');
  });
});
