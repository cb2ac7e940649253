import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Python's feedparser, the reference client for feeds, pinned in scripts/contract/requirements.txt and
 * installed by scripts/test-prereqs.sh into .contract/venv beside schemathesis.
 */
const PYTHON = resolve(dirname(fileURLToPath(import.meta.url)), '../../.contract/venv/bin/python');

/** What a feed reader takes from a feed: feedparser's own fields, as it normalises them. */
export interface ParsedFeed {
  /** feedparser's "bozo" flag: the document is not well-formed XML (then `bozo_exception` says why). */
  bozo: boolean;
  bozo_exception: string | null;
  /** `atom10` for an Atom 1.0 feed. */
  version: string;
  feed: { id: string; title: string; subtitle: string; updated: string; links: ParsedLink[] };
  entries: ParsedEntry[];
}

export interface ParsedLink {
  rel: string;
  href: string;
  type?: string;
  title?: string;
}

export interface ParsedEntry {
  id: string;
  title: string;
  summary: string;
  updated: string;
  links: ParsedLink[];
  tags: Array<{ term: string }>;
}

/** Reads the XML from stdin and prints what feedparser made of it as JSON (feedparser's time tuples left out). */
const SCRIPT = `
import json, sys, feedparser
parsed = feedparser.parse(sys.stdin.buffer.read())
def links(item):
    return [{k: v for k, v in link.items()} for link in item.get('links', [])]
print(json.dumps({
    'bozo': bool(parsed.bozo),
    'bozo_exception': str(parsed.get('bozo_exception')) if parsed.bozo else None,
    'version': parsed.version,
    'feed': {k: parsed.feed.get(k) for k in ('id', 'title', 'subtitle', 'updated')} | {'links': links(parsed.feed)},
    'entries': [
        {k: e.get(k) for k in ('id', 'title', 'summary', 'updated')} | {'links': links(e), 'tags': [{'term': t.term} for t in e.get('tags', [])]}
        for e in parsed.entries
    ],
}))
`;

/** The feed as feedparser reads it. */
export function parseFeed(xml: string): Promise<ParsedFeed> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run scripts/test-prereqs.sh (npm test does)`);
  return new Promise((done, fail) => {
    const child = execFile(PYTHON, ['-c', SCRIPT], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) fail(new Error(`feedparser failed: ${stderr || error.message}`));
      else done(JSON.parse(stdout) as ParsedFeed);
    });
    child.stdin?.end(xml);
  });
}
