/**
 * `npm run stop` (node dist/port-guard/stop.command.js): stops the instance of
 * this service that serves FLASK_PORT, gracefully, and waits until the port is
 * free. It replaces the seed's `lsof -i :5555` + `kill -9` runbook, and it
 * refuses to touch a process that does not prove to be ours.
 *
 *   --all   also stop the standbys that take the port over, until it stays free
 */
import { ConfigValidationError } from '../config/config.parsers.js';
import { loadStopConfig } from '../config/stop.config.js';
import { ExitCode } from '../lifecycle/exit-codes.js';
import { SERVICE_NAME } from '../lifecycle/instance.identity.js';
import { describeHolders, findPortHolders } from './port-holder.finder.js';
import { probePort } from './port.probe.js';

/** Polling period while waiting for the port to be released. */
const POLL_MS = 100;
/** Beyond the service's own shutdown deadline, time for the process to exit and the OS to free the port. */
const EXIT_MARGIN_MS = 3000;
/** Rounds of --all: each standby takes over in turn; more than this is not a normal setup. */
const MAX_ROUNDS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(POLL_MS);
  }
  return check();
}

async function main(): Promise<number> {
  const all = process.argv.includes('--all');
  const { app, watchdog } = loadStopConfig();
  const { host, port, shutdownTimeoutMs } = app;
  const portIsFree = async () => (await probePort(host, port, watchdog.probeTimeoutMs)).kind === 'free';

  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const state = await probePort(host, port, watchdog.probeTimeoutMs);
    if (state.kind === 'free') {
      say(round === 1 ? `Nothing listens on port ${port}; nothing to stop.` : `Port ${port} is free.`);
      return ExitCode.OK;
    }
    const holders = await findPortHolders(port);
    if (state.kind === 'foreign') {
      say(`Port ${port} is held by a program that is not ${SERVICE_NAME} (${describeHolders(holders)}; ${state.detail}). Not touching it.`);
      return ExitCode.PORT_HELD;
    }
    const pid = state.pid;
    if (pid === null || !holders.some((holder) => holder.pid === pid)) {
      // It answers as ours, but the process that says so does not hold the port here (another host or container?).
      say(`Port ${port} answers as ${SERVICE_NAME} instance ${state.instanceId}, but its pid ${pid ?? '?'} does not hold the port on this machine. Not touching anything.`);
      return ExitCode.PORT_HELD;
    }
    say(`Stopping ${SERVICE_NAME} (pid ${pid}, instance ${state.instanceId}) on port ${port}…`);
    process.kill(pid, 'SIGTERM');
    const gone = await waitUntil(async () => {
      const now = await probePort(host, port, watchdog.probeTimeoutMs);
      return now.kind !== 'ours' || now.instanceId !== state.instanceId;
    }, shutdownTimeoutMs + EXIT_MARGIN_MS);
    if (!gone) {
      say(`Instance ${state.instanceId} (pid ${pid}) did not stop within ${shutdownTimeoutMs + EXIT_MARGIN_MS} ms; it is still serving port ${port}.`);
      return ExitCode.INSTANCE_LOST;
    }
    if (await portIsFree()) {
      say(`Stopped ${SERVICE_NAME} (pid ${pid}, instance ${state.instanceId}); port ${port} is free.`);
      if (!all) {
        say(`A standby, if any, takes the port over within WATCHDOG_INTERVAL_SECONDS (${watchdog.intervalSeconds} s); use --all to stop them too.`);
        return ExitCode.OK;
      }
      // Give standbys one watchdog period (and a probe) to take over before calling the port free.
      const retaken = await waitUntil(async () => !(await portIsFree()), watchdog.intervalSeconds * 1000 + watchdog.probeTimeoutMs + EXIT_MARGIN_MS);
      if (!retaken) return ExitCode.OK;
    } else {
      say(`Stopped ${SERVICE_NAME} (pid ${pid}, instance ${state.instanceId}); a standby took port ${port} over.`);
      if (!all) return ExitCode.OK;
    }
  }
  say(`Port ${port} is still held after ${MAX_ROUNDS} rounds.`);
  return ExitCode.INSTANCE_LOST;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof ConfigValidationError ? error.message : `Stop failed: ${String(error)}`}\n`);
    process.exit(error instanceof ConfigValidationError ? ExitCode.BAD_CONFIG : ExitCode.FAILURE);
  },
);
