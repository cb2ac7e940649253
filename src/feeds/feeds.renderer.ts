import { xmlText } from '../common/xml-text.js';
import { isCondition } from './feeds.entries.js';
import type { Feed, FeedEntry, FeedEntryKind } from './feeds.types.js';

export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8';

/** Failed tasks named in a summary and linked: a run with hundreds of them still makes a readable entry. */
const TASKS_SHOWN = 10;

const TITLES: Record<FeedEntryKind, string> = {
  failed: 'failed',
  recovered: 'recovered',
  succeeded: 'succeeded',
  paused: 'is paused',
  import_error: 'does not import',
};

/** Where a person sees the DAG on this service: /dags filtered to it. */
function dagPagePath(dagId: string): string {
  return `/dags?q=${encodeURIComponent(dagId)}`;
}

/** What happened, in plain words; Airflow's own text (run ids, the note, task ids, the file) is quoted as it is. */
function summaryOf(entry: FeedEntry): string {
  const { run, previous } = entry;
  const outcome = `Its last finished run, ${run.runId}, ${run.state === 'failed' ? 'failed' : 'succeeded'}.`;
  const words: string[] = [];
  switch (entry.kind) {
    case 'failed':
      words.push(
        previous === null
          ? `Run ${run.runId} failed; it is the DAG's first finished run.`
          : `Run ${run.runId} failed after run ${previous.runId} had succeeded.`,
      );
      break;
    case 'recovered':
      words.push(`Run ${run.runId} succeeded after run ${previous?.runId ?? '—'} had failed.`);
      break;
    case 'succeeded':
      words.push(`Run ${run.runId} succeeded; it is the DAG's first finished run.`);
      break;
    case 'paused':
      words.push(`The DAG is paused in Airflow: no run is scheduled until it is unpaused. ${outcome}`);
      break;
    case 'import_error':
      words.push(
        `Airflow cannot import the DAG's file${parenthesised([entry.file, entry.error].filter((part) => part !== null).join(': '))}: its changes do not take effect until the error is fixed. ${outcome}`,
      );
      break;
  }
  if (entry.failedTasks.length > 0) {
    const named = entry.failedTasks.slice(0, TASKS_SHOWN).map((task) => `${task.taskId} (${task.state})`);
    const more = entry.failedTasks.length - named.length;
    words.push(`Failed tasks: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}.`);
  }
  if (run.note && !isCondition(entry.kind)) words.push(`Note on the run: ${run.note}`);
  return words.join(' ');
}

/** " (text)", or nothing for no text. */
function parenthesised(text: string): string {
  return text === '' ? '' : ` (${text})`;
}

function link(rel: string, href: string, title?: string): string {
  return `<link rel="${rel}" type="text/html" href="${xmlText(href)}"${title === undefined ? '' : ` title="${xmlText(title)}"`}/>`;
}

function entryXml(entry: FeedEntry): string {
  const links = [
    link('alternate', entry.airflowUrl, isCondition(entry.kind) ? `${entry.dagId} in Airflow` : `Run ${entry.run.runId} in Airflow`),
    link('related', dagPagePath(entry.dagId), `${entry.dagId} on this service`),
    ...entry.failedTasks.slice(0, TASKS_SHOWN).map((task) => link('related', task.logUrl, `Log of the failed task ${task.taskId}`)),
  ];
  return `  <entry>
    <id>${xmlText(entry.id)}</id>
    <title type="text">${xmlText(`${entry.dagId} ${TITLES[entry.kind]}`)}</title>
    <updated>${entry.updated}</updated>
    ${links.join('\n    ')}
    <category term="${entry.kind}"/>
    <summary type="text">${xmlText(summaryOf(entry))}</summary>
  </entry>
`;
}

/** An Atom 1.0 document (RFC 4287); every text escaped, XML 1.0's forbidden characters dropped. Links to this service are paths. */
export function renderFeed(feed: Feed): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xmlText(feed.id)}</id>
  <title type="text">${xmlText(feed.title)}</title>
  <subtitle type="text">${xmlText(feed.subtitle)}</subtitle>
  <updated>${feed.updated}</updated>
  <author><name>airflow-status-api</name></author>
  <generator>airflow-status-api</generator>
  <link rel="self" type="application/atom+xml" href="${xmlText(feed.self)}"/>
  <link rel="alternate" type="text/html" href="${xmlText(feed.alternate)}"/>
${feed.entries.map(entryXml).join('')}</feed>
`;
}
