import { AIRFLOW_FAILURE_REASONS } from '../airflow/airflow.errors.js';
import type { DagRun } from '../airflow/airflow.types.js';
import { CONDITION_REASONS, type ConditionReason, type DagOverview, type NotSuccessReason } from '../dag-status/dag-status.types.js';
import { formatSpan, runMs, utcTime } from '../common/time-format.js';
import { successEnd } from '../mirror/mirror.types.js';
import type { OverviewCounts, OverviewQuery, OverviewSelection } from '../overview/overview.types.js';
import type { Reliability } from '../reliability/reliability.types.js';
import { escapeHtml, safeHref } from './pages.html.js';
import { reliabilityCell } from './reliability-cell.renderer.js';

/** Scripts only from our own origin (/assets/live.js), which may only talk back to us; inline styles; the filter form submits to us. */
export const DAGS_PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PAGE_PATH = '/dags';

/** Where the pages' script is served. */
const LIVE_SCRIPT_PATH = '/assets/live.js';

/** " (3 h 2 min ago)", or '' without a date. */
function ago(iso: string | null, now: Date): string {
  if (!iso) return '';
  const at = Date.parse(iso);
  return Number.isNaN(at) ? '' : ` (${formatSpan(now.getTime() - at, { most: 2 })} ago)`;
}

/** Two units say enough for people ("2 d 3 h", "5 min 2 s"). */
function duration(start: string | null, end: string | null, now: Date): string {
  const ms = runMs(start, end, now);
  return ms === null ? '—' : formatSpan(ms, { most: 2 }) + (end ? '' : ' so far');
}

/** Each state's word and glyph: the colour is never the only sign. */
const STATES: Record<string, { glyph: string; css: string }> = {
  success: { glyph: '✔', css: 'ok' },
  failed: { glyph: '✘', css: 'bad' },
  upstream_failed: { glyph: '✘', css: 'bad' },
  running: { glyph: '▶', css: 'run' },
  queued: { glyph: '⏳', css: 'wait' },
};

/** What keeps a DAG from running (issue 18), as its row and the counts at the top show it: the colour is never the only sign. */
const CONDITIONS: Record<ConditionReason, { label: string; glyph: string; css: string }> = {
  import_error: { label: 'import error', glyph: '⚠', css: 'bad' },
  paused: { label: 'paused', glyph: '⏸', css: 'none' },
  airflow_scheduler_down: { label: 'scheduler down', glyph: '⚠', css: 'bad' },
  airflow_dag_processor_down: { label: 'DAG processor down', glyph: '⚠', css: 'unknown' },
  running_long: { label: 'running long', glyph: '⏱', css: 'wait' },
  overdue: { label: 'overdue', glyph: '⏰', css: 'wait' },
  budget_burn: { label: 'error budget burning', glyph: '📉', css: 'wait' },
};

function conditionOf(reason: string | null): { label: string; glyph: string; css: string } | undefined {
  return reason !== null && Object.hasOwn(CONDITIONS, reason) ? CONDITIONS[reason as ConditionReason] : undefined;
}

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

function strip(runs: readonly DagRun[], now: Date): string {
  if (runs.length === 0) return '<p class="muted">No runs yet.</p>';
  // Newest on the right, as in Airflow's grid.
  const items = [...runs]
    .reverse()
    .map((run) => {
      const s = stateOf(run.state);
      const label = `${s.word}: ${run.runId}, started ${utcTime(run.startDate)}, ${duration(run.startDate, run.endDate, now)}`;
      return `<li class="cell ${s.css}" title="${escapeHtml(label)}"><span aria-hidden="true">${s.glyph}</span><span class="vh">${escapeHtml(label)}</span></li>`;
    })
    .join('');
  return `<ol class="strip" aria-label="Last ${runs.length} runs, oldest first">${items}</ol>`;
}

function row(o: DagOverview, now: Date, reliability: Reliability | null, index: number): string {
  const run = o.run;
  const s = stateOf(run?.state ?? null);
  const fault = o.airflowError;
  const dagHref = safeHref(o.airflowUrl);
  const name = dagHref ? `<a href="${escapeHtml(dagHref)}" rel="noopener noreferrer">${escapeHtml(o.dagId)}</a>` : escapeHtml(o.dagId);
  const condition = conditionOf(o.reason);
  const chip = fault
    ? `<span class="chip unknown">⚠ ${escapeHtml(faultTitle(fault.reason))}</span> <span class="chip ${s.css}"><span aria-hidden="true">${s.glyph}</span> last known: ${escapeHtml(s.word)}</span>`
    : condition
      ? `<span class="chip ${condition.css}"><span aria-hidden="true">${condition.glyph}</span> ${escapeHtml(condition.label)}</span> <span class="chip ${s.css}"><span aria-hidden="true">${s.glyph}</span> latest run: ${escapeHtml(s.word)}</span>`
      : `<span class="chip ${s.css}"><span aria-hidden="true">${s.glyph}</span> ${escapeHtml(s.word)}</span>`;
  const faultNote = fault
    ? `<p class="fault">${escapeHtml(faultTitle(fault.reason))} since ${escapeHtml(utcTime(fault.since))}${escapeHtml(ago(fault.since, now))}: ${escapeHtml(fault.message)}. ` +
      `Last known state: <strong>${escapeHtml(s.word)}</strong>${o.fetchedAt ? `, seen at ${escapeHtml(utcTime(o.fetchedAt))}` : ' (never read)'}.</p>`
    : '';
  const tasks = o.history.failedTasks;
  const failed = tasks.length
    ? `<p class="tasks">Failed tasks: ${tasks
        .map((t) => {
          const href = safeHref(t.logUrl);
          const label = `${t.taskId}${t.state === 'failed' ? '' : ` (${t.state})`}`;
          return href ? `<a href="${escapeHtml(href)}" rel="noopener noreferrer">${escapeHtml(label)} — log</a>` : escapeHtml(label);
        })
        .join(', ')}</p>`
    : '';
  const lastSuccess = successEnd(o.history.lastSuccess);
  const fields: Array<[string, string]> = [
    ['Latest run', run?.runId ?? '—'],
    ['Started', utcTime(run?.startDate ?? null)],
    ['Ended', utcTime(run?.endDate ?? null)],
    ['Duration', run ? duration(run.startDate, run.endDate, now) : '—'],
    ['Last success', lastSuccess ? `${utcTime(lastSuccess)}${ago(lastSuccess, now)}` : 'never'],
  ];
  const dl = fields.map(([label, value]) => `<div><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>`).join('');
  return `<li class="dag" data-dag-id="${escapeHtml(o.dagId)}" data-state="${escapeHtml(fault ? 'unknown' : (run?.state ?? 'none'))}" data-outcome="${escapeHtml(o.outcome)}" data-live-region="dag:${escapeHtml(o.dagId)}">
      <div class="head"><h2>${name}</h2><p class="state">${chip}</p></div>
      <p class="why">${escapeHtml(o.explanation)}${o.stale ? ' <strong>(stale)</strong>' : ''}</p>
      ${faultNote}
      <dl>${dl}</dl>
      ${failed}
      ${strip(o.recentRuns, now)}
      ${reliabilityCell(reliability, index)}
      <p class="muted">Checked ${escapeHtml(utcTime(o.fetchedAt))}${dagHref ? ` · <a href="${escapeHtml(dagHref)}" rel="noopener noreferrer">Open in Airflow<span class="vh"> (${escapeHtml(o.dagId)})</span></a>` : ''}</p>
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
  ...CONDITION_REASONS.map((reason) => ({
    ...CONDITIONS[reason],
    filter: { reasons: [reason] },
    count: byReason([reason]),
    always: false,
  })),
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
    `<li><a class="tally${css ? ` chip ${css}` : ''}" href="${escapeHtml(href)}"${href === current ? ' aria-current="page"' : ''}>${body}</a></li>`;
  const items = [
    link(PAGE_PATH, `All <strong>${counts.all}</strong>`),
    link(hrefOf({ outcomes: ['failure'] }), `Not a success <strong>${counts.outcome.failure}</strong>`),
    ...TALLIES.filter((t) => t.always || t.count(counts) > 0).map((t) =>
      link(
        hrefOf(t.filter),
        `<span aria-hidden="true">${t.glyph}</span> ${escapeHtml(t.label)} <strong>${t.count(counts)}</strong>`,
        t.css,
      ),
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
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  return `<form class="filter" method="get" action="${PAGE_PATH}" role="search" data-live-filter>
      <label for="dag-filter">DAG id contains</label>
      <input id="dag-filter" type="search" name="q" value="${escapeHtml(query.text)}" maxlength="250" autocomplete="off" spellcheck="false">
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
      ? `No DAG of ${all} matches: ${escapeHtml(words)}.`
      : `${selection.total} of ${all} DAGs match: ${escapeHtml(words)}.${page}`
    : `${all} DAGs.${page}`;
  const back = words || query.cursor !== null ? ` <a href="${PAGE_PATH}">Show every DAG</a>` : '';
  return `<p class="selection" data-live-region="selection">${text}${back}</p>`;
}

/** Links to the next page, and back to the first, when the list is paged. */
function pager(selection: OverviewSelection, query: OverviewQuery): string {
  const links: string[] = [];
  if (query.cursor !== null) links.push(`<a href="${escapeHtml(hrefOf(query))}">First page</a>`);
  if (selection.next !== null) {
    links.push(
      `<a href="${escapeHtml(hrefOf(query, selection.next))}">${query.limit === null ? 'Next page' : `Next ${query.limit} DAGs`}</a>`,
    );
  }
  return `<p class="pager" data-live-region="pager">${links.join(' · ')}</p>`;
}

/**
 * GET /dags: the counts of every DAG (each a link to its rows), a filter, and one row per DAG that
 * matches `query`, everything escaped; live.js keeps it current. Linear in the number of rows.
 */
/** Each DAG's reliability figures, null until its past is read. */
type ReliabilityOf = (dagId: string) => Reliability | null;

export function renderDagsPage(
  selection: OverviewSelection,
  query: OverviewQuery,
  now = new Date(),
  reliability: ReliabilityOf = () => null,
): string {
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
  <title>${escapeHtml(title)}</title>
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
    .rel summary { cursor: pointer; display: flex; align-items: center; gap: .5rem; flex-wrap: wrap; }
    .rel table { border-collapse: collapse; font-size: .85rem; margin: .4rem 0; display: block; overflow-x: auto; }
    .rel th, .rel td { text-align: left; padding: .15rem .6rem .15rem 0; white-space: nowrap; }
    .rel .chart { color: var(--link); vertical-align: middle; }
    .vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  </style>
</head>
<body>
  <main data-live-events="/api/events">
    <h1 data-live-region="title">${escapeHtml(title)}</h1>
    <p class="live" data-live-bar>Live updates need JavaScript; reload the page to see changes.</p>
    ${tallies(counts, query)}
    ${filterForm(query)}
    ${selectionNote(selection, query)}
    <ol class="dags" tabindex="-1" aria-label="DAGs" data-live-list="dags">
    ${selection.dags.map((o, i) => row(o, now, reliability(o.dagId), i)).join('\n    ')}
    </ol>
    ${pager(selection, query)}
    <p class="muted"><a href="/success">Status of the target DAG</a> · <a href="/api/dags">JSON</a> · <a href="/api/events">Event stream</a> · <a href="/docs">API docs</a></p>
  </main>
  <script src="${LIVE_SCRIPT_PATH}" defer></script>
</body>
</html>
`;
}
