// Bundles the compiled service into one file, as `nest build --webpack` does: dist/server.js (from
// tsc) and the ~1,700 modules it imports become dist/server.js again, self-contained. Why: Node 20
// has no compile cache, and finding, reading and linking that many modules took ~0.35 s of a
// ~1.5 s start on the benchmark VM (BENCHMARKS.md), against a 1.5 s target and the probes of
// whoever launches it. The entry, dist/main.js, stays tsc's few lines (src/main.ts): it starts
// Node again with the service's flags before anything loads the bundle. tsc's unbundled server stays
// as dist/server.unbundled.js, which bench/profile.mjs runs so that a profile can tell the packages apart.
// Usage: node scripts/bundle.mjs   (npm run build runs it after tsc)
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist/server.js');
const unbundled = path.join(root, 'dist/server.unbundled.js');
const BANNER = "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);";
if (!existsSync(entry)) throw new Error('dist/server.js is missing: run tsc first (npm run build)');
// Bundling the bundle would lose the unbundled entry: only ever bundle what tsc just wrote.
if (readFileSync(entry, 'utf8').startsWith(BANNER)) throw new Error('dist/server.js is already bundled: run npm run build');
copyFileSync(entry, unbundled);

await build({
  entryPoints: [unbundled],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  logLevel: 'warning',
  // dist/server.js.map: `node --enable-source-maps dist/main.js` gives stack traces in the sources.
  sourcemap: true,
  // Minified, class and function names kept (Nest and the logs use them): V8 keeps the source of a
  // script in memory, twice here (4.1 MB with local names, 3.3 MB without: BENCHMARKS.md).
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  // tsc compiles a decorated class to `let X = X_1 = class X {…}`; without this, the minifier drops
  // the inner name and X.name becomes "X_1" (Nest's logger contexts, Swagger's schema names).
  keepNames: true,
  // Licences go to dist/server.js.LEGAL.txt instead of the script.
  legalComments: 'linked',
  // Kept out: Nest's optional integrations, which it imports only if installed (they are not),
  // and swagger-ui-dist, whose files Swagger UI serves from its directory on disk.
  external: [
    '@nestjs/microservices',
    '@nestjs/microservices/*',
    '@nestjs/websockets',
    '@nestjs/websockets/*',
    '@nestjs/platform-fastify',
    '@fastify/*',
    'class-transformer',
    'class-validator',
    'swagger-ui-dist',
  ],
  // CommonJS dependencies inside an ES module bundle still call require() (for node: built-ins).
  banner: { js: BANNER },
});

// One character beyond ASCII (a raw template literal keeps it: esbuild escapes the others) makes V8
// hold the whole script as two-byte text, twice its size in memory: 8.2 MB instead of 4.1.
const outside = /[\u0080-\u00ff]/.exec(readFileSync(entry, 'latin1'));
if (outside) throw new Error(`dist/server.js is not ASCII at offset ${outside.index}: write that character as an escape in the source`);
