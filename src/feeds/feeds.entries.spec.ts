import { describe, expect, it } from '@jest/globals';
import type { DagAttributes, DagRun } from '../airflow/airflow.types.js';
import type { DagHistory, FailedTask } from '../mirror/mirror.types.js';
import { dagEntries, entryId, feedOrigin, feedUpdated, type DagFacts, type FeedContext } from './feeds.entries.js';
import { attributesOf } from '../airflow/airflow.fixtures.js';

const DAG = 'Airflow_Lab2';
const ORIGIN = 'airflow.internal:8080';
const CONTEXT: FeedContext = {
  origin: ORIGIN,
  airflowUrl: (dagId, runId) => `http://airflow.internal:8080/dags/${dagId}${runId === null ? '' : `/runs/${runId}`}`,
};
const TAG = `tag:airflow-status-api,2026:${ORIGIN}/dags/${DAG}/runs`;

/** A run due at hour `hour` of 1 December 2026 that ran a minute; unfinished runs have no end. */
function run(runId: string, state: string, hour: number, dagId = DAG): DagRun {
  const due = Date.UTC(2026, 11, 1, hour);
  const ended = state === 'success' || state === 'failed';
  return {
    dagId,
    runId,
    state,
    logicalDate: null,
    runAfter: new Date(due).toISOString(),
    startDate: new Date(due + 1000).toISOString(),
    endDate: ended ? new Date(due + 61_000).toISOString() : null,
    note: null,
    runType: 'scheduled',
  };
}

const ended = (hour: number) => new Date(Date.UTC(2026, 11, 1, hour) + 61_000).toISOString();

/** The facts as the mirror holds them: runs newest first, the last finished run and last success found among them. */
function facts(oldestFirst: DagRun[], extra: { failedTasks?: FailedTask[]; attributes?: Partial<DagAttributes> } = {}): DagFacts {
  const runs = [...oldestFirst].reverse();
  const history: DagHistory = {
    lastFinished: runs.find((r) => r.state === 'success' || r.state === 'failed') ?? null,
    lastSuccess: runs.find((r) => r.state === 'success') ?? null,
    failedTasks: extra.failedTasks ?? [],
  };
  const attributes: DagAttributes | null = extra.attributes === undefined ? null : attributesOf(DAG, extra.attributes);
  return { dagId: DAG, runs, history, attributes };
}

const brief = (facts: DagFacts) => dagEntries(facts, CONTEXT).map((e) => [e.id, e.kind, e.run.runId, e.previous?.runId ?? null, e.updated]);

describe('dagEntries', () => {
  it('gives each change of outcome and the first finished run, newest first, with ids from the DAG, the run and the kind', () => {
    const history = facts([
      run('s1', 'success', 1),
      run('s2', 'success', 2),
      run('f3', 'failed', 3),
      run('f4', 'failed', 4),
      run('s5', 'success', 5),
    ]);
    expect(brief(history)).toEqual([
      [`${TAG}/s5/recovered`, 'recovered', 's5', 'f4', ended(5)],
      [`${TAG}/f3/failed`, 'failed', 'f3', 's2', ended(3)],
      [`${TAG}/s1/succeeded`, 'succeeded', 's1', null, ended(1)],
    ]);
  });

  it('skips runs in progress: the previous finished run is the one compared', () => {
    const history = facts([run('f1', 'failed', 1), run('r2', 'running', 2), run('s3', 'success', 3), run('q4', 'queued', 4)]);
    expect(brief(history)).toEqual([
      [`${TAG}/s3/recovered`, 'recovered', 's3', 'f1', ended(3)],
      [`${TAG}/f1/failed`, 'failed', 'f1', null, ended(1)],
    ]);
  });

  it('has no entry for the oldest run held when the mirror holds a full page: the run before it is unknown', () => {
    const steady = Array.from({ length: 10 }, (_, i) => run(`s${i}`, 'success', i));
    expect(brief(facts(steady))).toEqual([]);
    // One more run: still nothing new, where "the oldest held" would have made an entry at every run.
    expect(brief(facts([...steady.slice(1), run('s10', 'success', 10)]))).toEqual([]);
    const turned = [run('f0', 'failed', 0), ...steady.slice(1)];
    expect(brief(facts(turned))).toEqual([[`${TAG}/s1/recovered`, 'recovered', 's1', 'f0', ended(1)]]);
  });

  it('names the failed tasks of the last finished run only (the mirror knows no others)', () => {
    const tasks: FailedTask[] = [{ taskId: 'train', state: 'failed', logUrl: 'http://airflow.internal:8080/log/train' }];
    const entries = dagEntries(
      facts([run('f1', 'failed', 1), run('s2', 'success', 2), run('f3', 'failed', 3)], { failedTasks: tasks }),
      CONTEXT,
    );
    expect(entries.map((e) => [e.run.runId, e.failedTasks])).toEqual([
      ['f3', tasks],
      ['s2', []],
      ['f1', []],
    ]);
    expect(entries[0].airflowUrl).toBe(`http://airflow.internal:8080/dags/${DAG}/runs/f3`);
  });

  it('gives a paused DAG and a DAG that does not import an entry each, on their last finished run', () => {
    const history = facts([run('s1', 'success', 1), run('f2', 'failed', 2), run('r3', 'running', 3)], {
      attributes: { isPaused: true, hasImportErrors: true, fileloc: 'dags/lab2.py' },
      failedTasks: [{ taskId: 'train', state: 'failed', logUrl: 'x' }],
    });
    const entries = dagEntries(history, CONTEXT);
    expect(brief(history)).toEqual([
      [`${TAG}/f2/import_error`, 'import_error', 'f2', null, ended(2)],
      [`${TAG}/f2/paused`, 'paused', 'f2', null, ended(2)],
      [`${TAG}/f2/failed`, 'failed', 'f2', 's1', ended(2)],
      [`${TAG}/s1/succeeded`, 'succeeded', 's1', null, ended(1)],
    ]);
    expect([entries[0].file, entries[0].error]).toEqual(['dags/lab2.py', null]);
    // With Airflow's import error for the file: its name and the first line of its error.
    const listed = dagEntries({ ...history, importError: { filename: 'lab2.py', bundleName: null, message: 'SyntaxError: x' } }, CONTEXT);
    expect([listed[0].file, listed[0].error]).toEqual(['lab2.py', 'SyntaxError: x']);
    // A condition links to the DAG in Airflow, a change to its run.
    expect(entries.map((e) => e.airflowUrl)).toEqual([
      `http://airflow.internal:8080/dags/${DAG}`,
      `http://airflow.internal:8080/dags/${DAG}`,
      `http://airflow.internal:8080/dags/${DAG}/runs/f2`,
      `http://airflow.internal:8080/dags/${DAG}/runs/s1`,
    ]);
    expect(entries.map((e) => e.failedTasks.length)).toEqual([0, 0, 1, 0]);
    // No finished run: nothing to date them by.
    expect(brief(facts([run('r1', 'running', 1)], { attributes: { isPaused: true, hasImportErrors: true } }))).toEqual([]);
  });

  it('has nothing for a DAG without runs, nor for a run without any date', () => {
    expect(brief(facts([]))).toEqual([]);
    const undated = { ...run('s1', 'success', 1), runAfter: null, startDate: null, endDate: null };
    expect(brief(facts([undated, run('f2', 'failed', 2)]))).toEqual([[`${TAG}/f2/failed`, 'failed', 'f2', 's1', ended(2)]]);
  });

  it('derives the same entries from the same facts, however many times (nothing comes from the process)', () => {
    const make = () => facts([run('s1', 'success', 1), run('f2', 'failed', 2)]);
    expect(dagEntries(make(), CONTEXT)).toEqual(dagEntries(make(), CONTEXT));
  });
});

describe('ids', () => {
  it('percent-encode what is not plain in a DAG id or run id', () => {
    expect(entryId(ORIGIN, 'entraînement_modèle', 'manual__2026-12-03T12:39:58+00:00', 'failed')).toBe(
      `tag:airflow-status-api,2026:${ORIGIN}/dags/entra%C3%AEnement_mod%C3%A8le/runs/manual__2026-12-03T12%3A39%3A58%2B00%3A00/failed`,
    );
  });

  it("take the Airflow's host and path, never its credentials or query", () => {
    expect(feedOrigin('http://user:secret@Airflow.Internal:8080/airflow/?x=1')).toBe('airflow.internal:8080/airflow');
    expect(feedOrigin('https://airflow.example.com')).toBe('airflow.example.com');
  });
});

describe('feedUpdated', () => {
  it("is the newest entry's time, else the newest run's, else the epoch", () => {
    const history = facts([run('s1', 'success', 1), run('f2', 'failed', 2)]);
    expect(feedUpdated(dagEntries(history, CONTEXT), [])).toBe(ended(2));
    expect(feedUpdated([], [run('r1', 'running', 1), run('r0', 'running', 0)])).toBe(
      new Date(Date.UTC(2026, 11, 1, 1) + 1000).toISOString(),
    );
    expect(feedUpdated([], [])).toBe('1970-01-01T00:00:00.000Z');
  });
});
