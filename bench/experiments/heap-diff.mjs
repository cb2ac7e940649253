#!/usr/bin/env node
// What a second heap snapshot holds more than a first, by constructor (objects, closures, native)
// or by kind (strings, arrays, code), in total and per stream: `node heap-diff.mjs a.heapsnapshot
// b.heapsnapshot [streams]`. Self sizes only (what each object takes itself, not what it keeps).
import { readFileSync } from 'node:fs';

function summarise(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const n = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const groups = new Map();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += n) {
    const type = types[snap.nodes[i + iType]];
    const name = snap.strings[snap.nodes[i + iName]];
    const size = snap.nodes[i + iSize];
    const named = ['object', 'closure', 'native', 'array', 'hidden', 'code', 'object shape'].includes(type);
    const key = named ? `${type}: ${name.slice(0, 60)}` : type;
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count += 1;
    g.size += size;
    groups.set(key, g);
    total += size;
  }
  return { groups, total };
}

const [a, b, streamsArg] = process.argv.slice(2);
const streams = Number(streamsArg ?? 1000);
const before = summarise(a);
const after = summarise(b);
const rows = [];
for (const [key, g] of after.groups) {
  const was = before.groups.get(key) ?? { count: 0, size: 0 };
  rows.push({ key, count: g.count - was.count, size: g.size - was.size });
}
rows.sort((x, y) => y.size - x.size);
console.log(
  `heap: ${(before.total / 1048576).toFixed(1)} → ${(after.total / 1048576).toFixed(1)} MB (+${((after.total - before.total) / 1048576).toFixed(2)} MB, ${((after.total - before.total) / streams).toFixed(0)} B per stream)`,
);
console.log('     +bytes  per stream  +count  per stream  what');
for (const r of rows.slice(0, Number(process.env.TOP ?? 45))) {
  console.log(
    `${String(r.size).padStart(11)} ${(r.size / streams).toFixed(0).padStart(10)} ${String(r.count).padStart(7)} ${(r.count / streams).toFixed(2).padStart(10)}  ${r.key}`,
  );
}
