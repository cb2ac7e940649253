// Aggregates a V8 .cpuprofile: self time by package / file, the top functions by self time, and the
// inclusive time of the functions that matter (anything on the stack in a sample counts once).
// Usage: node bench/profile-summary.mjs file.cpuprofile [topN] [topInclusive]
// Env PROFILE_SKIP_MS: ignore the samples of the first N ms after the profile starts (start-up, warm-up).
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function bucket(cf) {
  const url = cf.url ?? '';
  if (!url) return cf.functionName ? `(native) ${cf.functionName}` : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 14).split('/');
    return `npm:${parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `app:${url.slice(dist + 1)}`;
  return url.replace(/^file:\/\//, '');
}
const fname = (cf) => `${cf.functionName || '(anonymous)'} ${bucket(cf)}:${cf.lineNumber + 1}`;

// Self time per node from samples/timeDeltas (µs).
const self = new Map();
let total = 0;
const skipUs = Number(process.env.PROFILE_SKIP_MS ?? 0) * 1000;
let clock = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  clock += dt;
  if (clock < skipUs) continue;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  total += dt;
}
const idle = [...self].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((s, [, t]) => s + t, 0);
const busy = total - idle;

const add = (map, key, t) => map.set(key, (map.get(key) ?? 0) + t);
const byBucket = new Map();
const byFunc = new Map();
const inclusiveBucket = new Map();
const inclusiveFunc = new Map();
for (const [id, t] of self) {
  const cf = byId.get(id).callFrame;
  if (cf.functionName === '(idle)') continue;
  add(byBucket, bucket(cf), t);
  add(byFunc, fname(cf), t);
  const seenB = new Set();
  const seenF = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const c = byId.get(cur).callFrame;
    const b = bucket(c);
    const f = fname(c);
    if (!seenB.has(b)) {
      seenB.add(b);
      add(inclusiveBucket, b, t);
    }
    if (!seenF.has(f)) {
      seenF.add(f);
      add(inclusiveFunc, f, t);
    }
  }
}
// Where the time goes, by cause: each busy sample goes to the first rule that matches its stack
// (any frame, leaf to root) or, failing all, to its leaf's package.
const CAUSES = [
  ['access-log line (Nest ConsoleLogger JSON + sync write)', (f) => /^log npm:@nestjs\/common/.test(f) || /^writeAccessLine /.test(f)],
  ['ETag (sha1 of each body)', (f) => /^generateETag /.test(f)],
  ['prom-client metrics', (f) => /^recordHttp |^recordCacheLookup /.test(f) || / npm:prom-client:/.test(f)],
  ['request id (randomUUID)', (f) => /^randomUUID /.test(f)],
  [
    'AsyncLocalStorage / promise hooks',
    (f) => / node:internal\/async_hooks:| node:async_hooks:/.test(f) && !/^run node:async_hooks/.test(f),
  ],
  ['socket write (writev syscall)', (f) => /^writev \(native\)/.test(f)],
  ['garbage collector', (f) => /^\(garbage collector\)/.test(f)],
];
const LEAF = [
  [
    'Express + router (routing, req/res helpers, res.json/send)',
    /npm:(express|router|parseurl|path-to-regexp|content-type|send|finalhandler|encodeurl|mime-types|fresh|range-parser|accepts|type-is|qs|statuses|vary|etag|setprototypeof)/,
  ],
  [
    'Nest (router, pipes, interceptors, exception zone, platform-express)',
    /npm:@nestjs\/(core|common|platform-express)|npm:rxjs|npm:reflect-metadata/,
  ],
  ['this app (controllers, services, middleware, cache)', /app:dist\//],
  ['node:http (parser, headers, outgoing, server)', /node:_http_|node:internal\/http/],
  ['node streams, events, net, timers, microtasks', /node:|\(native\) runMicrotasks|\(program\)/],
];
const byCause = new Map();
for (const [id, t] of self) {
  const leaf = byId.get(id).callFrame;
  if (leaf.functionName === '(idle)') continue;
  let cause = null;
  for (let cur = id; cur !== undefined && !cause; cur = parent.get(cur)) {
    const f = fname(byId.get(cur).callFrame);
    for (const [name, test] of CAUSES)
      if (test(f)) {
        cause = name;
        break;
      }
  }
  if (!cause) cause = LEAF.find(([, re]) => re.test(bucket(leaf)))?.[0] ?? `other: ${bucket(leaf)}`;
  byCause.set(cause, (byCause.get(cause) ?? 0) + t);
}

const pct = (t) => `${((100 * t) / busy).toFixed(1).padStart(5)} %`;
// With PROFILE_REQUESTS (the requests served in the window), also µs of CPU per request.
const requests = Number(process.env.PROFILE_REQUESTS ?? 0);
const perReq = (t) => (requests ? `${(t / requests).toFixed(1).padStart(6)} µs/req  ` : '');
const print = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`${pct(t)}  ${(t / 1000).toFixed(0).padStart(6)} ms  ${perReq(t)}${k}`);
};
console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)} %)${requests ? `, ${requests} requests, ${(busy / requests).toFixed(0)} µs busy per request` : ''}; percentages are of busy time`,
);
print('Busy time by cause (first matching rule on the stack, else the leaf package)', byCause, 20);
print('Self time by package / file', byBucket, top);
print('Self time by function', byFunc, top);
print('Inclusive time by package / file (on the stack)', inclusiveBucket, top);
print('Inclusive time by function (on the stack)', inclusiveFunc, Number(process.argv[4] ?? 40));
