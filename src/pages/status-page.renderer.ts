import { formatSpan, runMs, utcTime } from '../common/time-format.js';
import { successEnd } from '../mirror/mirror.types.js';
import type { StatusVerdict } from '../dag-status/dag-status.types.js';
import { escapeHtml } from './pages.html.js';

/** The page's only policy: one script of our own (/assets/live.js, live updates) that talks only to us, inline styles only. */
export const STATUS_PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** "1 h 2 min 5 s" from start to end, or to `now` for a run still going. */
function duration(start: string | null, end: string | null, now: Date): string {
  const ms = runMs(start, end, now);
  return ms === null ? '—' : formatSpan(ms, { largest: 'h' }) + (end ? '' : ' (so far)');
}

/** The /success and /failure page: the verdict on the target DAG, everything escaped. */
export function renderStatusPage(verdict: StatusVerdict, now = new Date()): string {
  const run = verdict.run;
  const ok = verdict.outcome === 'success';
  const failing = verdict.airflowError;
  const state = run ? (failing ? `${run.state} (last seen ${utcTime(verdict.fetchedAt)})` : run.state) : failing ? 'unknown' : 'no run';
  const finished = verdict.history.lastFinished;
  const rows: Array<[string, string]> = [
    ['DAG', escapeHtml(verdict.dagId)],
    ['State', escapeHtml(state)],
    ['Run id', escapeHtml(run?.runId ?? '—')],
    ['Logical date', escapeHtml(run ? (run.logicalDate ? utcTime(run.logicalDate) : 'none (manual run)') : '—')],
    ['Started', escapeHtml(utcTime(run?.startDate ?? null))],
    ['Ended', escapeHtml(utcTime(run?.endDate ?? null))],
    ['Duration', escapeHtml(run ? duration(run.startDate, run.endDate, now) : '—')],
    ['Note', escapeHtml(run?.note ?? '—')],
    ['Last finished', escapeHtml(finished ? `${finished.state}, ${finished.runId}, ended ${utcTime(finished.endDate)}` : '—')],
    ['Last success', escapeHtml(verdict.history.lastSuccess ? `ended ${utcTime(successEnd(verdict.history.lastSuccess))}` : 'never')],
  ];
  if (verdict.history.failedTasks.length > 0) {
    const links = verdict.history.failedTasks.map(
      (task) => `<a href="${escapeHtml(task.logUrl)}" rel="noopener noreferrer">${escapeHtml(task.taskId)}</a> (${escapeHtml(task.state)})`,
    );
    rows.push(['Failed tasks', links.join(', ')]);
  }
  if (verdict.stale !== null) rows.push(['Fresh', verdict.stale ? 'no: the last success is too old' : 'yes']);
  if (failing) rows.push(['Airflow', escapeHtml(`${failing.message} (failing since ${utcTime(failing.since)})`)]);
  if (!failing) rows.push(['Checked', escapeHtml(utcTime(verdict.fetchedAt))]);
  // Every value above is escaped where it is made: the failed tasks' row holds links.
  const table = rows.map(([label, html]) => `<tr><th scope="row">${escapeHtml(label)}</th><td>${html}</td></tr>`).join('\n        ');
  const title = `${verdict.dagId}: ${ok ? 'success' : 'not a success'}`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <link rel="alternate" type="application/atom+xml" title="${escapeHtml(verdict.dagId)}: verdict changes" href="/api/dags/${escapeHtml(encodeURIComponent(verdict.dagId))}/feed.atom">
  <style>
    body { font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2430; }
    main { max-width: 44rem; margin: 3rem auto; padding: 0 1rem; }
    .verdict { border-radius: 8px; padding: 1.25rem 1.5rem; color: #fff; background: ${ok ? '#1f7a3f' : '#b42318'}; }
    .verdict h1 { margin: 0 0 .35rem; font-size: 1.6rem; }
    .verdict p { margin: 0; font-size: 1.05rem; }
    table { width: 100%; border-collapse: collapse; margin: 1.5rem 0; background: #fff; border-radius: 8px; overflow: hidden; }
    th, td { text-align: left; padding: .55rem .9rem; border-bottom: 1px solid #e4e7ec; vertical-align: top; }
    th { width: 9rem; color: #475467; font-weight: 600; }
    td { word-break: break-word; font-family: ui-monospace, monospace; }
    footer { color: #475467; font-size: .9rem; }
    a { color: #175cd3; }
  </style>
</head>
<body>
  <main data-live-events="/api/events?dag_id=${encodeURIComponent(verdict.dagId)}">
    <div data-live-region="verdict">
    <section class="verdict" role="status" data-outcome="${verdict.outcome}" data-reason="${escapeHtml(verdict.reason ?? '')}">
      <h1>${ok ? '✔ Success' : '✘ Not a success'}</h1>
      <p>${escapeHtml(verdict.explanation)}</p>
    </section>
    <table>
      <tbody>
        ${table}
      </tbody>
    </table>
    </div>
    <footer>
      <p><a href="${escapeHtml(verdict.airflowUrl)}" rel="noopener noreferrer">Open ${run ? 'this run' : 'the DAG'} in Airflow</a>
       · <a href="/dags">All DAGs</a> · <a href="/api/dags/${encodeURIComponent(verdict.dagId)}/status">JSON</a> · <a href="/docs">API docs</a></p>
      <p data-live-bar>Live updates need JavaScript; reload the page to see changes.</p>
    </footer>
  </main>
  <script src="/assets/live.js" defer></script>
</body>
</html>
`;
}
