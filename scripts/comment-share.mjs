#!/usr/bin/env node
// The share of comment lines in each TypeScript file under the folders given (default src/), specs
// left out: lines that hold a comment (alone or after code) over the lines that are not blank,
// as TypeScript parses them (a `*` in a template's CSS is not a comment). The developers'
// guide asks for about 10 %. Usage: node scripts/comment-share.mjs [--over=20] [dir...]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const over = Number(args.find((a) => a.startsWith('--over='))?.slice(7) ?? 0);
const dirs = args.filter((a) => !a.startsWith('--'));

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(file);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.fixtures.ts')) yield file;
  }
}

/** [lines holding a comment, lines not blank] of one file. */
function share(text) {
  const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line;
  const commented = new Set();
  const seen = new Set();
  const note = (ranges) => {
    for (const { pos, end } of ranges ?? []) {
      if (seen.has(pos)) continue;
      seen.add(pos);
      for (let line = lineOf(pos); line <= lineOf(end - 1); line++) commented.add(line);
    }
  };
  // Every comment is trivia before or after some token: its node's start or end.
  const visit = (node) => {
    note(ts.getLeadingCommentRanges(text, node.pos));
    note(ts.getTrailingCommentRanges(text, node.end));
    ts.forEachChild(node, visit);
  };
  visit(source);
  note(ts.getLeadingCommentRanges(text, source.endOfFileToken.pos));
  const lines = text.split('\n').filter((line) => line.trim() !== '').length;
  return [commented.size, lines];
}

const rows = [];
for (const dir of dirs.length ? dirs : ['src']) {
  for (const file of files(dir)) rows.push([file, ...share(readFileSync(file, 'utf8'))]);
}
rows.sort((a, b) => b[1] / b[2] - a[1] / a[2]);
let [comments, lines] = [0, 0];
for (const [file, c, l] of rows) {
  comments += c;
  lines += l;
  if ((100 * c) / l >= over)
    console.log(`${((100 * c) / l).toFixed(0).padStart(3)} %  ${String(c).padStart(4)} / ${String(l).padEnd(4)} ${file}`);
}
console.log(
  `${((100 * comments) / lines).toFixed(0).padStart(3)} %  ${String(comments).padStart(4)} / ${String(lines).padEnd(4)} all ${rows.length} files`,
);
