// dependency-cruiser: the import rules of src/ and test/ (`npx depcruise src test`, part of `npm run lint`).
//
// How src/ is cut:
// - a *feature* is a folder src/<feature>/ with at least one *.module.ts. Another feature may use it
//   only through what its Nest modules export. The allowed targets are read from the modules
//   themselves, below: the *.module.ts files, the files that declare the classes listed in their
//   `exports: [...]`, and the feature's contract files (*.types.ts, *.errors.ts, *.dto.ts,
//   *.tokens.ts, *.constants.ts, *.decorator.ts: the types, errors, tokens and decorators that come
//   with those providers).
//   Anything else in the folder (controllers, pipes, parsers, helpers) is private to it;
// - a *shared* folder is one under src/ with no *.module.ts (src/config today): anyone may import
//   any of its files, and it imports no feature, so that it stays at the bottom;
// - src/*.ts (main.ts, server.ts, app.module.ts, app.setup.ts) is the composition root and may import any
//   feature file, except that AppModule imports only modules (and the config namespaces it loads);
//   so is a CLI entry point (src/<feature>/*.command.ts), which runs without Nest's injector and so
//   cannot be handed providers through a module.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SRC = 'src';
const CONTRACT_FILE = /\.(types|errors|dto|tokens|constants|decorator)\.ts$/;

/** `import { A, B as C } from './x.js'` → Map { 'A' => 'src/f/x.ts', 'C' => … } for relative imports. */
function importedNames(file, source) {
  const names = new Map();
  const statement = /import\s+(?:type\s+)?(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\})?\s*from\s*['"](\.[^'"]+)['"]/g;
  for (const [, defaultName, named, specifier] of source.matchAll(statement)) {
    const target = path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, '.ts');
    if (defaultName) names.set(defaultName, target);
    for (const part of (named ?? '').split(',')) {
      const local = part
        .replace(/^\s*type\s+/, '')
        .split(/\s+as\s+/)
        .pop()
        .trim();
      if (local) names.set(local, target);
    }
  }
  return names;
}

/** The text inside every `exports: [...]` of a module file (the decorator's, a forRoot()'s), brackets balanced. */
function exportsArrays(source) {
  let text = '';
  for (const match of source.matchAll(/\bexports\s*:\s*\[/g)) {
    const open = match.index + match[0].length - 1;
    for (let i = open, depth = 0; i < source.length; i++) {
      if (source[i] === '[') depth++;
      else if (source[i] === ']' && --depth === 0) {
        text += `${source.slice(open + 1, i)},`;
        break;
      }
    }
  }
  return text;
}

/** Feature name → the files other features may import. */
function publicSurface() {
  const features = new Map();
  if (!fs.existsSync(SRC)) return features;
  for (const entry of fs.readdirSync(SRC, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = `${SRC}/${entry.name}`;
    const files = fs.readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'));
    const modules = files.filter((name) => name.endsWith('.module.ts'));
    if (modules.length === 0) continue;
    const allowed = new Set(files.filter((name) => CONTRACT_FILE.test(name)).map((name) => `${dir}/${name}`));
    for (const name of modules) {
      const file = `${dir}/${name}`;
      const source = fs.readFileSync(file, 'utf8');
      const imports = importedNames(file, source);
      allowed.add(file);
      for (const identifier of exportsArrays(source).match(/[A-Za-z_$][\w$]*/g) ?? []) {
        const target = imports.get(identifier);
        if (target?.startsWith(`${dir}/`)) allowed.add(target);
      }
    }
    features.set(entry.name, [...allowed].sort());
  }
  return features;
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const features = publicSurface();
const featureNames = [...features.keys()].map(escape);
const FEATURE = featureNames.length > 0 ? `^${SRC}/(${featureNames.join('|')})/` : '^$.'; // '^$.' matches nothing
const publicFiles = [...features.values()].flat().map((file) => `^${escape(file)}$`);
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(Object.fromEntries(features));

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only ones included: a cycle means two parts that cannot be understood, tested or moved apart.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-between-folders',
      severity: 'error',
      comment:
        'No cycle between the folders of src/ either: a watchdog/ that imports port-guard/port.probe.ts while ' +
        "port-guard's module imports the watchdog module is one, with no cycle between files. Features depend one way.",
      scope: 'folder',
      from: { path: `^${SRC}/` },
      to: { path: `^${SRC}/`, circular: true },
    },
    {
      name: 'feature-through-its-module',
      severity: 'error',
      comment:
        "A feature is used only through what its Nest modules export: import another feature's *.module.ts, the files of the " +
        'providers its modules export, or its contract files (*.types|errors|dto|tokens|constants.ts). Export the provider from ' +
        'the module, or move the shared piece into a contract file. `node .dependency-cruiser.mjs` lists the allowed files.',
      from: { path: `^${SRC}/([^/]+)/`, pathNot: '\\.command\\.ts$' },
      to: { path: FEATURE, pathNot: [`^${SRC}/$1/`, ...publicFiles, '\\.fixtures\\.ts$'] },
    },
    {
      name: 'fixtures-only-in-specs',
      severity: 'error',
      comment:
        "A feature's *.fixtures.ts is test data that comes with its types, for the specs of any feature (the build leaves it out): " +
        'nothing else may import it.',
      from: { pathNot: ['\\.spec\\.ts$', '\\.fixtures\\.ts$'] },
      to: { path: '\\.fixtures\\.ts$' },
    },
    {
      name: 'shared-not-to-feature',
      severity: 'error',
      comment:
        'A folder of src/ without a Nest module (config) is shared by everyone and so must not depend on a feature: give the ' +
        'folder a module of its own, or move the code into the feature that needs it.',
      from: { path: `^${SRC}/[^/]+/`, pathNot: [FEATURE] },
      to: { path: FEATURE },
    },
    {
      name: 'app-module-imports-modules',
      severity: 'error',
      comment: 'AppModule only imports modules (and the config namespaces it loads): providers belong to the modules of their features.',
      from: { path: `^${SRC}/app\\.module\\.ts$` },
      to: { path: `^${SRC}/`, pathNot: [`\\.module\\.ts$`, `^${SRC}/config/`] },
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'The service does not depend on its tests or their fakes.',
      from: { path: `^${SRC}/` },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-spec',
      severity: 'error',
      comment: 'Nothing imports a spec file: what two specs share goes into a helper.',
      from: {},
      to: { path: '\\.(e2e-)?spec\\.ts$' },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'The service runs without devDependencies (npm ci --omit=dev): only specs and tests may import them.',
      from: { path: `^${SRC}/`, pathNot: '\\.spec\\.ts$' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'Every package imported is declared in package.json (not just present in node_modules by chance).',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves to a file.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A file nothing imports is dead, unless it is an entry point: main.ts, a CLI command, a spec, a Jest setup file.',
      from: {
        orphan: true,
        pathNot: [
          '\\.d\\.ts$',
          `^${SRC}/main\\.ts$`,
          '\\.command\\.ts$',
          '\\.(e2e-)?spec\\.ts$',
          '^test/real-airflow/global-(setup|teardown)\\.mjs$',
          '^test/real-airflow/jest\\.setup\\.ts$',
        ],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|\\.airflow)/' },
    // Type-only imports are dependencies too: a cycle or a reach into another feature through a
    // type is still one.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
