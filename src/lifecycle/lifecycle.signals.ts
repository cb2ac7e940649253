import { ExitCode } from './lifecycle.constants.js';

// Listeners from the first moment (server.ts imports this first): without them a signal during start-up kills
// Node at once, and SIGUSR1 opens an inspector any local user could read AIRFLOW_PASSWORD from.

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
  process.exit(ExitCode.OK);
}

function onDebugSignal(): void {
  logLine('warn', 'SIGUSR1 received: ignored (this service does not open a debugger on a signal)');
}

for (const signal of STOP_SIGNALS) process.on(signal, onStopDuringStartUp);
process.on('SIGUSR1', onDebugSignal);

/** Once Nest's shutdown hooks listen: stop signals are theirs (these listeners stay, so a repeated one still finds one). */
export function handOverSignals(log: LogLine): void {
  startingUp = false;
  logLine = log;
}
