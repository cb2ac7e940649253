// The load generator's presence, and what a run ran on.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { harness, settings } from './settings.mjs';

const hasWrk = () => spawnSync('wrk', ['-v']).error === undefined;

/** wrk is a Debian package: installed here when missing (as root with apt-get), else a clear demand. */
export function ensureWrk() {
  if (hasWrk()) return;
  const canInstall = process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).error === undefined && !harness.noInstall;
  if (canInstall) {
    process.stderr.write('• wrk is missing: apt-get install -y wrk…\n');
    let r = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
      r = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    if (r.status === 0 && hasWrk()) return;
  }
  throw new Error('the load generator wrk is required: install it (Debian/Ubuntu: sudo apt-get install -y wrk) and run again');
}

export function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  const v = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  const wrk = /wrk (\S+)/.exec(`${v.stdout}${v.stderr}`)?.[1] ?? 'unknown';
  return {
    nproc: os.availableParallelism(),
    cpu,
    memGb: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    kernel: os.release(),
    wrk,
    wrkThreads: settings.wrkThreads,
  };
}
