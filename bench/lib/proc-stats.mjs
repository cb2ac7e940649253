// A process's CPU time and resident memory, from /proc (Linux).
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const CLK_TCK = 100;

/** utime + stime of a process, in seconds (NaN when unknown). */
export function cpuSeconds(pid) {
  if (!pid) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** VmRSS of a process in MB, or null when it is gone. */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The node flags a process runs with (its command line before the script), or null when it is gone. */
export function nodeFlagsOf(pid) {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(1);
    return args
      .slice(
        0,
        args.findIndex((arg) => !arg.startsWith('-')),
      )
      .filter(Boolean);
  } catch {
    return null;
  }
}

/** The median of a process's RSS sampled every 100 ms over `windowMs` (at least 1 s): V8's heap swings by MBs between collections. */
export async function steadyRss(pid, windowMs) {
  const samples = [];
  const end = Date.now() + Math.max(1000, windowMs);
  while (Date.now() < end) {
    samples.push(rssMb(pid));
    await sleep(100);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}
