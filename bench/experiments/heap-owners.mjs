#!/usr/bin/env node
// Who holds the objects a second heap snapshot has more than a first: for the new nodes (ids not in
// the first) of each kind asked for, their retainers by kind and edge name, in bytes.
//   node heap-owners.mjs a.heapsnapshot b.heapsnapshot 'array: (object properties)' 'closure: ' …
import { readFileSync } from 'node:fs';

const [a, b, ...kinds] = process.argv.slice(2);
const load = (file) => JSON.parse(readFileSync(file, 'utf8'));
const A = load(a);
const B = load(b);
const meta = B.snapshot.meta;
const nf = meta.node_fields.length;
const ef = meta.edge_fields.length;
const types = meta.node_types[0];
const etypes = meta.edge_types[0];
const idx = (f) => meta.node_fields.indexOf(f);
const [iType, iName, iId, iSize, iEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map(idx);
const oldIds = new Set();
for (let i = 0; i < A.nodes.length; i += nf) oldIds.add(A.nodes[i + iId]);
const key = (i) => {
  const type = types[B.nodes[i + iType]];
  const name = B.strings[B.nodes[i + iName]];
  return ['object', 'closure', 'native', 'array', 'hidden', 'code', 'object shape'].includes(type) ? `${type}: ${name.slice(0, 50)}` : type;
};
// Retainers: node offset → [ [from offset, edge name] ]
const retainers = new Map();
let e = 0;
for (let i = 0; i < B.nodes.length; i += nf) {
  const count = B.nodes[i + iEdges];
  for (let k = 0; k < count; k++, e += ef) {
    const etype = etypes[B.edges[e]];
    if (etype === 'weak' || etype === 'shortcut') continue;
    const nameOrIndex = B.edges[e + 1];
    const to = B.edges[e + 2];
    const ename = etype === 'element' || etype === 'hidden' ? `[${nameOrIndex}]` : B.strings[nameOrIndex];
    let list = retainers.get(to);
    if (!list) retainers.set(to, (list = []));
    list.push([i, `${etype}:${ename}`]);
  }
}
for (const kind of kinds) {
  const owners = new Map();
  let total = 0;
  for (let i = 0; i < B.nodes.length; i += nf) {
    if (oldIds.has(B.nodes[i + iId]) || key(i) !== kind) continue;
    const size = B.nodes[i + iSize];
    total += size;
    const r = (retainers.get(i) ?? []).find(([from]) => !oldIds.has(B.nodes[from + iId])) ?? retainers.get(i)?.[0];
    const k = r ? `${key(r[0])}  --${r[1]}-->` : '(none)';
    const o = owners.get(k) ?? { count: 0, size: 0 };
    o.count += 1;
    o.size += size;
    owners.set(k, o);
  }
  console.log(`\n== ${kind}: ${total} B new`);
  for (const [k, o] of [...owners].sort((x, y) => y[1].size - x[1].size).slice(0, Number(process.env.TOP ?? 25)))
    console.log(`${String(o.size).padStart(10)} ${String(o.count).padStart(6)}  ${k}`);
}
