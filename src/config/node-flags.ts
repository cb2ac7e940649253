/**
 * The V8 heap settings of every start: a young generation capped at 8 MB semi-spaces, an old one
 * grown by half its live size; under mixed load they keep RSS ~40 MB lower (BENCHMARKS.md). A value
 * on the command line or in NODE_OPTIONS wins (`=0`: V8's default).
 */
export const NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50'] as const;

/** `--max_semi_space_size=4` → `--max-semi-space-size` (V8 takes either spelling). */
const flagName = (arg: string): string => `--${arg.replace(/^--?/, '').split('=')[0].replace(/_/g, '-')}`;

/** The flags of NODE_FLAGS that neither the command line (`execArgv`) nor `nodeOptions` sets. */
export function missingNodeFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].filter((arg) => arg.startsWith('-')).map(flagName));
  return NODE_FLAGS.filter((flag) => !given.has(flagName(flag)));
}

/**
 * The command line that starts this process again with the missing flags (NODE_OPTIONS cannot carry
 * `--heap-growing-percent`, and the semi-space size is fixed when V8 starts), or null when none is missing.
 */
export function relaunchCommand(): string[] | null {
  const missing = missingNodeFlags(process.execArgv, process.env.NODE_OPTIONS);
  if (missing.length === 0) return null;
  return [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)];
}
