import { ExitCode } from './lifecycle.constants.js';

/*
 * The process's signals from its first moment. server.ts (the service main.ts loads) imports this module before any other, so
 * that its listeners are in place before the ~1 s it takes to create the app: a signal with no listener kills a
 * Node process at once (143 for SIGTERM, 129 for SIGHUP, 140 for SIGUSR2) and SIGUSR1 opens the inspector. It
 * imports nothing heavy, so that it is evaluated first in the bundle too.
 *
 * What each signal means, for a foreground service in a terminal, a container and an Airflow task alike:
 * - SIGTERM (Kubernetes, docker stop, Airflow stopping the task, the stop command), SIGINT (Ctrl-C), SIGHUP (the
 *   terminal that owns the service closed; the configuration is read once, so there is nothing to reload) and
 *   SIGUSR2 (the restart signal of nodemon and similar supervisors, which start a new process after): a graceful
 *   stop, exit 0, requests in flight answered (LifecycleService, through Nest's shutdown hooks). During start-up,
 *   before anything is served, a stop right away, exit 0, with a log line.
 * - SIGUSR1: ignored with a warning. Node would open its inspector on 127.0.0.1:9229, from which any local user
 *   could read the process's memory, AIRFLOW_PASSWORD included; a listener keeps it closed (Node 20 to 24).
 */

/** The signals that stop the service gracefully. */
export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'];

type Level = 'log' | 'warn';
type LogLine = (level: Level, message: string) => void;

/** Until the app's logger is there: one JSON line on stdout, in the shape AppLogger writes. */
let logLine: LogLine = (level, message) => {
  process.stdout.write(`${JSON.stringify({ level, pid: process.pid, timestamp: Date.now(), message, context: 'LifecycleService' })}\n`);
};
let startingUp = true;

function onStopDuringStartUp(signal: NodeJS.Signals): void {
  if (!startingUp) return; // Nest's shutdown hooks have it from here
  logLine('log', `${signal} received during start-up: stopping before serving anything`);
  // Nothing is listening and nothing is in flight yet: the clean stop is to exit now (lifecycle.exit.ts has the rest).
  process.exit(ExitCode.OK);
}

function onDebugSignal(): void {
  logLine('warn', 'SIGUSR1 received: ignored (this service does not open a debugger on a signal)');
}

for (const signal of STOP_SIGNALS) process.on(signal, onStopDuringStartUp);
process.on('SIGUSR1', onDebugSignal);

/**
 * LifecycleService's call once Nest's shutdown hooks listen: stop signals are theirs from now on (the listeners
 * here stay, so a signal repeated as Nest removes its own still finds one), and lines go through the app's logger.
 */
export function handOverSignals(log: LogLine): void {
  startingUp = false;
  logLine = log;
}
