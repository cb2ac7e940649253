import type { DagOverviewDto, RunBriefDto } from '../dag-status/dag-status.dto.js';

/** Scripts only from our own origin (/assets/live.js), which may only talk back to us; inline styles only. */
export const DAGS_PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Where the pages' script is served. */
const LIVE_SCRIPT_PATH = '/assets/live.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
function esc(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** An upstream URL as an href, or null when it is not plain http(s) (a javascript: link from a hostile Airflow stays text). */
function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function time(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "1 h 2 min", "45 s": a span of time for people. */
function span(ms: number): string {
  let seconds = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(seconds / 86_400);
  seconds -= days * 86_400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts = [days ? `${days} d` : '', hours ? `${hours} h` : '', minutes ? `${minutes} min` : '', `${seconds} s`].filter(Boolean);
  // Two units say enough for people ("2 d 3 h", "5 min 2 s").
  return parts.slice(0, 2).join(' ');
}

function ago(iso: string | null, now: Date): string {
  if (!iso) return '';
  const at = new Date(iso).getTime();
  return Number.isNaN(at) ? '' : ` (${span(now.getTime() - at)} ago)`;
}

function duration(start: string | null, end: string | null, now: Date): string {
  if (!start) return '—';
  const from = new Date(start).getTime();
  const to = end ? new Date(end).getTime() : now.getTime();
  if (Number.isNaN(from) || Number.isNaN(to) || to < from) return '—';
  return span(to - from) + (end ? '' : ' so far');
}

/** Each state's word and glyph: the colour is never the only sign. */
const STATES: Record<string, { glyph: string; css: string }> = {
  success: { glyph: '✔', css: 'ok' },
  failed: { glyph: '✘', css: 'bad' },
  upstream_failed: { glyph: '✘', css: 'bad' },
  running: { glyph: '▶', css: 'run' },
  queued: { glyph: '⏳', css: 'wait' },
};

function stateOf(state: string | null): { word: string; glyph: string; css: string } {
  if (state === null) return { word: 'no run', glyph: '–', css: 'none' };
  return { word: state, ...(STATES[state] ?? { glyph: '•', css: 'none' }) };
}

/** What stopped the service from reading Airflow, in a few words. */
function faultTitle(reason: string): string {
  switch (reason) {
    case 'airflow_auth_refused':
      return 'Airflow refused our credentials';
    case 'airflow_bad_response':
      return 'Airflow answered something unexpected';
    case 'airflow_timeout':
      return 'Airflow unreachable (timed out)';
    default:
      return 'Airflow unreachable';
  }
}

function strip(runs: readonly RunBriefDto[], now: Date): string {
  if (runs.length === 0) return '<p class="muted">No runs yet.</p>';
  // Newest on the right, as in Airflow's grid.
  const items = [...runs]
    .reverse()
    .map((run) => {
      const s = stateOf(run.state);
      const label = `${s.word}: ${run.run_id}, started ${time(run.start_date)}, ${duration(run.start_date, run.end_date, now)}`;
      return `<li class="cell ${s.css}" title="${esc(label)}"><span aria-hidden="true">${s.glyph}</span><span class="vh">${esc(label)}</span></li>`;
    })
    .join('');
  return `<ol class="strip" aria-label="Last ${runs.length} runs, oldest first">${items}</ol>`;
}

function row(o: DagOverviewDto, now: Date): string {
  const s = stateOf(o.state);
  const fault = o.airflow_error;
  const dagHref = safeHref(o.airflow_url);
  const name = dagHref ? `<a href="${esc(dagHref)}" rel="noopener noreferrer">${esc(o.dag_id)}</a>` : esc(o.dag_id);
  const chip = fault
    ? `<span class="chip unknown">⚠ ${esc(faultTitle(fault.reason))}</span> <span class="chip ${s.css}"><span aria-hidden="true">${s.glyph}</span> last known: ${esc(s.word)}</span>`
    : `<span class="chip ${s.css}"><span aria-hidden="true">${s.glyph}</span> ${esc(s.word)}</span>`;
  const faultNote = fault
    ? `<p class="fault">${esc(faultTitle(fault.reason))} since ${esc(time(fault.since))}${esc(ago(fault.since, now))}: ${esc(fault.message)}. ` +
      `Last known state: <strong>${esc(s.word)}</strong>${o.fetched_at ? `, seen at ${esc(time(o.fetched_at))}` : ' (never read)'}.</p>`
    : '';
  const failed = o.failed_tasks.length
    ? `<p class="tasks">Failed tasks: ${o.failed_tasks
        .map((t) => {
          const href = safeHref(t.log_url);
          const label = `${t.task_id}${t.state === 'failed' ? '' : ` (${t.state})`}`;
          return href ? `<a href="${esc(href)}" rel="noopener noreferrer">${esc(label)} — log</a>` : esc(label);
        })
        .join(', ')}</p>`
    : '';
  const fields: Array<[string, string]> = [
    ['Latest run', o.run_id ?? '—'],
    ['Started', time(o.start_date)],
    ['Ended', time(o.end_date)],
    ['Duration', o.run_id ? duration(o.start_date, o.end_date, now) : '—'],
    ['Last success', o.last_success_at ? `${time(o.last_success_at)}${ago(o.last_success_at, now)}` : 'never'],
  ];
  const dl = fields.map(([label, value]) => `<div><dt>${esc(label)}</dt><dd>${esc(value)}</dd></div>`).join('');
  return `<li class="dag" data-dag-id="${esc(o.dag_id)}" data-state="${esc(fault ? 'unknown' : (o.state ?? 'none'))}" data-live-region="dag:${esc(o.dag_id)}">
      <div class="head"><h2>${name}</h2><p class="state">${chip}</p></div>
      <p class="why">${esc(o.explanation)}${o.stale ? ' <strong>(stale)</strong>' : ''}</p>
      ${faultNote}
      <dl>${dl}</dl>
      ${failed}
      ${strip(o.recent_runs, now)}
      <p class="muted">Checked ${esc(time(o.fetched_at))}${dagHref ? ` · <a href="${esc(dagHref)}" rel="noopener noreferrer">Open in Airflow<span class="vh"> (${esc(o.dag_id)})</span></a>` : ''}</p>
    </li>`;
}

/** GET /dags: every allowed DAG, one row each, everything escaped; live.js keeps it current. */
export function renderDagsPage(overviews: readonly DagOverviewDto[], now = new Date()): string {
  const bad = overviews.filter((o) => o.outcome !== 'success').length;
  const title = bad === 0 ? `All ${overviews.length} DAGs succeeded` : `${bad} of ${overviews.length} DAGs not a success`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <link rel="icon" href="data:,">
  <title>${esc(title)}</title>
  <style>
    :root { --bg: #f6f7f9; --fg: #1d2430; --card: #fff; --line: #e4e7ec; --muted: #475467; --link: #175cd3;
      --ok-bg: #d1fadf; --ok-fg: #05603a; --bad-bg: #fee4e2; --bad-fg: #912018; --run-bg: #d1e9ff; --run-fg: #194185;
      --wait-bg: #fef0c7; --wait-fg: #7a2e0e; --none-bg: #eaecf0; --none-fg: #344054; --unk-bg: #fdead7; --unk-fg: #772917; }
    @media (prefers-color-scheme: dark) {
      :root { --bg: #0c111d; --fg: #e4e7ec; --card: #161b26; --line: #333741; --muted: #a4a7ae; --link: #84caff;
        --ok-bg: #053321; --ok-fg: #a6f4c5; --bad-bg: #55160c; --bad-fg: #fecdca; --run-bg: #102a56; --run-fg: #b2ddff;
        --wait-bg: #4e1d09; --wait-fg: #fedf89; --none-bg: #1d2939; --none-fg: #d0d5dd; --unk-bg: #511c10; --unk-fg: #f9dbaf; }
    }
    * { box-sizing: border-box; }
    body { font-family: system-ui, sans-serif; margin: 0; background: var(--bg); color: var(--fg); line-height: 1.4; }
    main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
    h1 { font-size: 1.4rem; margin: .5rem 0; }
    a { color: var(--link); }
    .muted, .live { color: var(--muted); font-size: .9rem; }
    .live button { font: inherit; margin-left: .25rem; }
    ol.dags { list-style: none; padding: 0; margin: 0; }
    .dag { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: .75rem 0; }
    .head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem 1rem; justify-content: space-between; }
    .head h2 { font-size: 1.1rem; margin: 0; word-break: break-all; }
    .state, .why, .fault, .tasks { margin: .35rem 0; }
    .chip { display: inline-block; border-radius: 999px; padding: .1rem .6rem; font-weight: 600; }
    .ok { background: var(--ok-bg); color: var(--ok-fg); } .bad { background: var(--bad-bg); color: var(--bad-fg); }
    .run { background: var(--run-bg); color: var(--run-fg); } .wait { background: var(--wait-bg); color: var(--wait-fg); }
    .none { background: var(--none-bg); color: var(--none-fg); } .unknown { background: var(--unk-bg); color: var(--unk-fg); }
    .fault { background: var(--unk-bg); color: var(--unk-fg); border-radius: 6px; padding: .4rem .6rem; }
    dl { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .25rem 1rem; margin: .5rem 0; }
    dt { color: var(--muted); font-size: .8rem; } dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
    ol.strip { display: flex; gap: 3px; list-style: none; padding: 0; margin: .5rem 0; }
    .cell { width: 1.4rem; height: 1.4rem; border-radius: 3px; display: flex; align-items: center; justify-content: center; font-size: .75rem; }
    .vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  </style>
</head>
<body>
  <main data-live-events="/api/events">
    <h1 data-live-region="title">${esc(title)}</h1>
    <p class="live" data-live-bar>Live updates need JavaScript; reload the page to see changes.</p>
    <ol class="dags">
    ${overviews.map((o) => row(o, now)).join('\n    ')}
    </ol>
    <p class="muted"><a href="/success">Status of the target DAG</a> · <a href="/api/dags">JSON</a> · <a href="/api/events">Event stream</a> · <a href="/docs">API docs</a></p>
  </main>
  <script src="${LIVE_SCRIPT_PATH}" defer></script>
</body>
</html>
`;
}
