/**
 * The V8 settings of every start: a young generation capped at 8 MB semi-spaces, an old one grown by
 * half its live size (under mixed load ~40 MB less RSS), and no Maglev, V8's middle compiler, whose
 * code and compiler pages cost ~6 MB under load for no measured gain on this I/O-bound service
 * (BENCHMARKS.md). A value on the command line or in NODE_OPTIONS wins (`=0`: V8's default; `--maglev`).
 */
export const NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50', '--no-maglev'] as const;

/** `--max_semi_space_size=4` → `--max-semi-space-size`, `--no-maglev` → `--maglev` (V8 takes either spelling). */
const flagName = (arg: string): string =>
  `--${arg
    .replace(/^--?(no-)?/, '')
    .split('=')[0]
    .replace(/_/g, '-')}`;

/** The flags of NODE_FLAGS that neither the command line (`execArgv`) nor `nodeOptions` sets. */
export function missingNodeFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].filter((arg) => arg.startsWith('-')).map(flagName));
  return NODE_FLAGS.filter((flag) => !given.has(flagName(flag)));
}

/**
 * glibc's malloc setting the service runs with: blocks of 32 kB and more (V8's zone segments for its
 * parser and compilers, socket reads) get a mapping of their own, given back when freed, instead of
 * coming from malloc's arenas, which keep what they once held: ~15 MB of RSS after a first load of
 * 5,000 DAGs, ~7 MB at start (BENCHMARKS.md, "The mirror at scale"). glibc reads it only when the
 * process starts; a value in the environment wins; other C libraries ignore it.
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '32768' };

/** The variables of MALLOC_ENV that `env` does not set. */
export function missingMallocEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(MALLOC_ENV).filter(([name]) => env[name] === undefined));
}

/**
 * How to start this process again with the missing flags (NODE_OPTIONS cannot carry
 * `--heap-growing-percent`, and the semi-space size is fixed when V8 starts) and malloc settings, or
 * null when none is missing.
 */
export function relaunchCommand(): { args: string[]; env: NodeJS.ProcessEnv } | null {
  const missing = missingNodeFlags(process.execArgv, process.env.NODE_OPTIONS);
  const malloc = missingMallocEnv(process.env);
  if (missing.length === 0 && Object.keys(malloc).length === 0) return null;
  return { args: [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], env: { ...process.env, ...malloc } };
}
