/**
 * `npm run stop` (node dist/port-guard/stop.command.js): stops the instance of
 * this service that serves FLASK_PORT, gracefully, waits until the process has
 * exited and the port is free, and says so. It replaces the seed's
 * `lsof -i :5555` + `kill -9` runbook, and it refuses to touch a process that
 * does not prove to be ours.
 *
 *   --all    also stop the standbys that take the port over, until it stays free
 *   --force  if our instance has not exited by its deadline, send it SIGKILL
 */
import { ConfigValidationError } from '../config/config.parsers.js';
import { loadStopConfig } from '../config/stop.config.js';
import { ExitCode } from '../lifecycle/lifecycle.constants.js';
import { SERVICE_NAME } from '../lifecycle/instance.identity.js';
import { exitProcess } from '../lifecycle/lifecycle.exit.js';
import { PortHolderFinder, ProcFiles } from './port-holder.finder.js';
import { PortProbe, type PortState } from './port.probe.js';

/** Polling period while waiting for the process to exit or the port to be released. */
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

/** Sends `signal`; false when the OS does not let us (another user's process). */
function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return true; // already gone: what we wanted
    if (code === 'EPERM') return false;
    throw error;
  }
}

async function main(): Promise<ExitCode> {
  const all = process.argv.includes('--all');
  const force = process.argv.includes('--force');
  const { app, http, portGuard } = loadStopConfig();
  const { host, port } = http;
  const { probeTimeoutMs, watchdogIntervalSeconds } = portGuard;
  const portProbe = new PortProbe();
  const finder = new PortHolderFinder(new ProcFiles());
  const probe = (): Promise<PortState> => portProbe.probe(host, port, probeTimeoutMs);
  const exitDeadlineMs = app.shutdownTimeoutMs + EXIT_MARGIN_MS;

  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const state = await probe();
    if (state.kind === 'free') {
      say(round === 1 ? `Nothing listens on port ${port}; nothing to stop.` : `Port ${port} is free.`);
      return ExitCode.OK;
    }
    const holders = await finder.find(port);
    if (state.kind === 'foreign') {
      say(`Port ${port} is held by a program that is not ${SERVICE_NAME} (${finder.describe(holders)}; ${state.detail}). Not touching it.`);
      return ExitCode.PORT_HELD;
    }
    const { pid, instanceId } = state;
    if (pid === null || !holders.some((holder) => holder.pid === pid)) {
      // It answers as ours, but the process that says so does not hold the port here (another host or container?).
      say(
        `Port ${port} answers as ${SERVICE_NAME} instance ${instanceId}, but its pid ${pid ?? '?'} does not hold the port on this machine. Not touching anything.`,
      );
      return ExitCode.PORT_HELD;
    }
    const who = `${SERVICE_NAME} (pid ${pid}, instance ${instanceId})`;
    say(`Stopping ${who} on port ${port}…`);
    if (!signal(pid, 'SIGTERM')) {
      say(`Not permitted to signal pid ${pid}: run the stop command as the user that started the service.`);
      return ExitCode.FAILURE;
    }
    // The port closes at once on SIGTERM, but requests in flight still run: wait for the process itself.
    if (!(await waitUntil(async () => !(await finder.isRunning(pid)), exitDeadlineMs))) {
      if (!force) {
        // A draining instance no longer answers on the port, so a second run would not find it: say what happens next.
        say(
          `${who} has not exited within ${exitDeadlineMs} ms (SHUTDOWN_TIMEOUT_MS + ${EXIT_MARGIN_MS} ms); it no longer takes requests. ` +
            `Left to finish those in flight: it exits by itself at its own SHUTDOWN_TIMEOUT_MS. (--force kills it at this deadline instead.)`,
        );
        return ExitCode.INSTANCE_LOST;
      }
      say(`${who} has not exited within ${exitDeadlineMs} ms; --force: sending SIGKILL.`);
      signal(pid, 'SIGKILL');
      if (!(await waitUntil(async () => !(await finder.isRunning(pid)), EXIT_MARGIN_MS))) {
        say(`${who} is still running after SIGKILL.`);
        return ExitCode.INSTANCE_LOST;
      }
    }
    const after = await probe();
    if (after.kind === 'foreign') {
      say(
        `Stopped ${who}; port ${port} is now held by a program that is not ${SERVICE_NAME} (${finder.describe(await finder.find(port))}).`,
      );
      return ExitCode.OK;
    }
    if (after.kind === 'ours') {
      say(`Stopped ${who}; standby instance ${after.instanceId} took port ${port} over.`);
      if (!all) return ExitCode.OK;
      continue;
    }
    say(`Stopped ${who}; port ${port} is free.`);
    if (!all) {
      say(
        `A standby, if any, takes the port over within WATCHDOG_INTERVAL_SECONDS (${watchdogIntervalSeconds} s); use --all to stop them too.`,
      );
      return ExitCode.OK;
    }
    // Give standbys one watchdog period (and a probe) to take over before calling the port free for good.
    const retaken = await waitUntil(
      async () => (await probe()).kind !== 'free',
      watchdogIntervalSeconds * 1000 + probeTimeoutMs + EXIT_MARGIN_MS,
    );
    if (!retaken) return ExitCode.OK;
  }
  say(`Port ${port} is still held after ${MAX_ROUNDS} rounds.`);
  return ExitCode.INSTANCE_LOST;
}

// A command of its own, with its own messages; it exits through the lifecycle's one exit all the same.
main().then(exitProcess, (error: unknown) => {
  process.stderr.write(`${error instanceof ConfigValidationError ? error.message : `Stop failed: ${String(error)}`}\n`);
  exitProcess(error instanceof ConfigValidationError ? ExitCode.BAD_CONFIG : ExitCode.FAILURE);
});
