import { AIRFLOW_FAILURE_REASONS } from '../airflow/airflow.errors.js';
import type { DagOverviewDto, RunBriefDto } from '../dag-status/dag-status.dto.js';
import type { NotSuccessReason } from '../dag-status/dag-status.types.js';
import type { OverviewCounts, OverviewQuery, OverviewSelection } from '../overview/overview.types.js';

/** Scripts only from our own origin (/assets/live.js), which may only talk back to us; inline styles; the filter form submits to us. */
export const DAGS_PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PAGE_PATH = '/dags';

/** Where the pages' script is served. */
const LIVE_SCRIPT_PATH = '/assets/live.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const NEEDS_ESCAPE = /[&<>"']/;

/** Escapes text for HTML content and quoted attribute values (most text has nothing to escape: kept as it is). */
function esc(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char) : value;
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

/** A UTC timestamp as Airflow writes them, which needs no Date to be shown: a page of 1,000 rows formats ~15,000. */
const PLAIN_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|\+00:00)$/;

function time(iso: string | null): string {
  if (!iso) return '—';
  if (PLAIN_UTC.test(iso)) return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
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
  const at = Date.parse(iso);
  return Number.isNaN(at) ? '' : ` (${span(now.getTime() - at)} ago)`;
}

function duration(start: string | null, end: string | null, now: Date): string {
  if (!start) return '—';
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now.getTime();
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
  return `<li class="dag" data-dag-id="${esc(o.dag_id)}" data-state="${esc(fault ? 'unknown' : (o.state ?? 'none'))}" data-outcome="${esc(o.outcome)}" data-live-region="dag:${esc(o.dag_id)}">
      <div class="head"><h2>${name}</h2><p class="state">${chip}</p></div>
      <p class="why">${esc(o.explanation)}${o.stale ? ' <strong>(stale)</strong>' : ''}</p>
      ${faultNote}
      <dl>${dl}</dl>
      ${failed}
      ${strip(o.recent_runs, now)}
      <p class="muted">Checked ${esc(time(o.fetched_at))}${dagHref ? ` · <a href="${esc(dagHref)}" rel="noopener noreferrer">Open in Airflow<span class="vh"> (${esc(o.dag_id)})</span></a>` : ''}</p>
    </li>`;
}

/** A link to this page with `query`'s filters (and page), in one canonical order. */
function hrefOf(query: Partial<OverviewQuery>, cursor: string | null = null): string {
  const params = new URLSearchParams();
  for (const outcome of query.outcomes ?? []) params.append('outcome', outcome);
  for (const state of query.states ?? []) params.append('state', state);
  for (const reason of query.reasons ?? []) params.append('reason', reason);
  if (query.text) params.set('q', query.text);
  if (query.limit != null) params.set('limit', String(query.limit));
  if (cursor !== null) params.set('cursor', cursor);
  const search = params.toString();
  return search === '' ? PAGE_PATH : `${PAGE_PATH}?${search}`;
}

/** One link of the counts at the top: the DAGs of a verdict or reason, by what their row shows. */
interface Tally {
  label: string;
  glyph: string;
  css: string;
  filter: Partial<OverviewQuery>;
  count: (counts: OverviewCounts) => number;
  /** Shown even at 0: the states every Airflow has. */
  always: boolean;
}

const byReason = (reasons: readonly NotSuccessReason[]) => (counts: OverviewCounts) =>
  reasons.reduce((sum, r) => sum + counts.reason[r], 0);

/**
 * The counts at the top, one partition of every DAG by its verdict (as `outcome` and `reason` say,
 * so each link shows exactly its count): success, then each reason not to be one.
 */
const TALLIES: readonly Tally[] = [
  { label: 'success', ...STATES.success, filter: { outcomes: ['success'] }, count: (c) => c.outcome.success, always: true },
  { label: 'failed', ...STATES.failed, filter: { reasons: ['failed'] }, count: byReason(['failed']), always: true },
  { label: 'running', ...STATES.running, filter: { reasons: ['running'] }, count: byReason(['running']), always: true },
  { label: 'queued', ...STATES.queued, filter: { reasons: ['queued'] }, count: byReason(['queued']), always: true },
  { label: 'no run', glyph: '–', css: 'none', filter: { reasons: ['no_run'] }, count: byReason(['no_run']), always: true },
  { label: 'stale', glyph: '⌛', css: 'wait', filter: { reasons: ['stale'] }, count: byReason(['stale']), always: false },
  { label: 'other state', glyph: '•', css: 'none', filter: { reasons: ['other_state'] }, count: byReason(['other_state']), always: false },
  {
    label: 'unknown',
    glyph: '⚠',
    css: 'unknown',
    filter: { reasons: AIRFLOW_FAILURE_REASONS },
    count: byReason(AIRFLOW_FAILURE_REASONS),
    always: false,
  },
];

/** The filters of `query` alone (no page), as a link: to tell which tally is the one shown. */
function filterHref(query: OverviewQuery): string {
  return hrefOf({ outcomes: query.outcomes, states: query.states, reasons: query.reasons, text: query.text });
}

function tallies(counts: OverviewCounts, query: OverviewQuery): string {
  const current = filterHref(query);
  const link = (href: string, body: string, css = '') =>
    `<li><a class="tally${css ? ` chip ${css}` : ''}" href="${esc(href)}"${href === current ? ' aria-current="page"' : ''}>${body}</a></li>`;
  const items = [
    link(PAGE_PATH, `All <strong>${counts.all}</strong>`),
    link(hrefOf({ outcomes: ['failure'] }), `Not a success <strong>${counts.outcome.failure}</strong>`),
    ...TALLIES.filter((t) => t.always || t.count(counts) > 0).map((t) =>
      link(hrefOf(t.filter), `<span aria-hidden="true">${t.glyph}</span> ${esc(t.label)} <strong>${t.count(counts)}</strong>`, t.css),
    ),
  ];
  return `<nav aria-label="DAGs by state" data-live-region="counts"><ul class="tallies">${items.join('')}</ul></nav>`;
}

/** The filters of `query` in words, or '' when there is none. */
function filterWords(query: OverviewQuery): string {
  const parts: string[] = [];
  if (query.text) parts.push(`id contains “${query.text}”`);
  if (query.outcomes.length) parts.push(query.outcomes.map((o) => (o === 'success' ? 'a success' : 'not a success')).join(' or '));
  if (query.states.length) parts.push(`latest run ${query.states.map((s) => (s === 'none' ? 'no run' : s)).join(' or ')}`);
  if (query.reasons.length) parts.push(`reason ${query.reasons.join(' or ')}`);
  return parts.join('; ');
}

/** The text filter and "only what is not a success": a plain GET form, so it works without JavaScript. */
function filterForm(query: OverviewQuery): string {
  const failingOnly = query.outcomes.includes('failure');
  const hidden = [
    ...query.outcomes.filter((o) => o !== 'failure').map((o) => ['outcome', o]),
    ...query.states.map((s) => ['state', s]),
    ...query.reasons.map((r) => ['reason', r]),
    ...(query.limit === null ? [] : [['limit', String(query.limit)]]),
  ]
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${esc(value)}">`)
    .join('');
  return `<form class="filter" method="get" action="${PAGE_PATH}" role="search" data-live-filter>
      <label for="dag-filter">DAG id contains</label>
      <input id="dag-filter" type="search" name="q" value="${esc(query.text)}" maxlength="250" autocomplete="off" spellcheck="false">
      <label class="check"><input type="checkbox" name="outcome" value="failure"${failingOnly ? ' checked' : ''}> Only what is not a success</label>
      ${hidden}<button type="submit">Filter</button>
    </form>`;
}

/** What the list holds, in words, and the way back to every DAG. */
function selectionNote(selection: OverviewSelection, query: OverviewQuery): string {
  const words = filterWords(query);
  const all = selection.counts.all;
  const page = selection.dags.length < selection.total ? ` Showing ${selection.dags.length} of them here.` : '';
  const text = words
    ? selection.total === 0
      ? `No DAG of ${all} matches: ${esc(words)}.`
      : `${selection.total} of ${all} DAGs match: ${esc(words)}.${page}`
    : `${all} DAGs.${page}`;
  const back = words || query.cursor !== null ? ` <a href="${PAGE_PATH}">Show every DAG</a>` : '';
  return `<p class="selection" data-live-region="selection">${text}${back}</p>`;
}

/** Links to the next page, and back to the first, when the list is paged. */
function pager(selection: OverviewSelection, query: OverviewQuery): string {
  const links: string[] = [];
  if (query.cursor !== null) links.push(`<a href="${esc(hrefOf(query))}">First page</a>`);
  if (selection.next !== null) {
    links.push(`<a href="${esc(hrefOf(query, selection.next))}">${query.limit === null ? 'Next page' : `Next ${query.limit} DAGs`}</a>`);
  }
  return `<p class="pager" data-live-region="pager">${links.join(' · ')}</p>`;
}

/**
 * GET /dags: the counts of every DAG (each a link to its rows), a filter, and one row per DAG that
 * matches `query`, everything escaped; live.js keeps it current. Linear in the number of rows.
 */
export function renderDagsPage(selection: OverviewSelection, query: OverviewQuery, now = new Date()): string {
  const { counts } = selection;
  const bad = counts.outcome.failure;
  const title = bad === 0 ? `All ${counts.all} DAGs succeeded` : `${bad} of ${counts.all} DAGs not a success`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <link rel="icon" href="data:,">
  <link rel="alternate" type="application/atom+xml" title="Every watched DAG: verdict changes" href="/api/dags/feed.atom">
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
    ul.tallies { display: flex; flex-wrap: wrap; gap: .4rem; list-style: none; padding: 0; margin: .5rem 0; }
    .tally { display: inline-block; border-radius: 999px; padding: .15rem .65rem; text-decoration: none; border: 1px solid var(--line); }
    .tally.chip { font-weight: 400; border-color: transparent; }
    .tally[aria-current] { outline: 2px solid var(--fg); outline-offset: 1px; }
    .tally:hover, .tally:focus-visible { text-decoration: underline; }
    form.filter { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; margin: .75rem 0; }
    form.filter input[type="search"] { font: inherit; padding: .2rem .4rem; min-width: 14rem; max-width: 100%; }
    form.filter button { font: inherit; }
    .selection { margin: .5rem 0; }
    ol.dags:focus { outline: none; }
    .vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  </style>
</head>
<body>
  <main data-live-events="/api/events">
    <h1 data-live-region="title">${esc(title)}</h1>
    <p class="live" data-live-bar>Live updates need JavaScript; reload the page to see changes.</p>
    ${tallies(counts, query)}
    ${filterForm(query)}
    ${selectionNote(selection, query)}
    <ol class="dags" tabindex="-1" aria-label="DAGs" data-live-list="dags">
    ${selection.dags.map((o) => row(o, now)).join('\n    ')}
    </ol>
    ${pager(selection, query)}
    <p class="muted"><a href="/success">Status of the target DAG</a> · <a href="/api/dags">JSON</a> · <a href="/api/events">Event stream</a> · <a href="/docs">API docs</a></p>
  </main>
  <script src="${LIVE_SCRIPT_PATH}" defer></script>
</body>
</html>
`;
}
