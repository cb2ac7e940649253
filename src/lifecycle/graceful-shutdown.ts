import type { Server } from 'node:http';
import { Logger, type INestApplication } from '@nestjs/common';
import { ExitCode } from './exit-codes.js';
import { LifecycleService } from './lifecycle.service.js';

/** While draining, idle keep-alive sockets are closed this often so they cannot hold the stop. */
const IDLE_SWEEP_MS = 100;

/**
 * SIGTERM/SIGINT: readiness turns 503 at once, the listener closes, requests in
 * flight complete, Nest's shutdown hooks run (the watchdog's interval goes), and
 * the process exits 0 — within `timeoutMs`, after which remaining connections
 * are cut. Used instead of Nest's enableShutdownHooks, which re-raises the
 * signal after closing, so a launcher (an Airflow task) would see a kill
 * rather than a clean stop. A second signal while stopping changes nothing.
 */
export function exitGracefullyOnSignals(app: INestApplication, timeoutMs: number): void {
  const logger = new Logger('Shutdown');
  let stopping = false;

  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      logger.log(`${signal} received again; already stopping`);
      return;
    }
    stopping = true;
    app.get(LifecycleService).beginDrain();
    logger.log(`${signal} received: finishing requests in flight, then exiting`);
    const server = app.getHttpServer() as Server;
    const deadline = setTimeout(() => {
      logger.warn(`Requests still open after SHUTDOWN_TIMEOUT_MS (${timeoutMs} ms): closing them`);
      server.closeAllConnections();
      process.exit(ExitCode.OK);
    }, timeoutMs);
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    try {
      await app.close();
    } catch (error) {
      logger.error(`Error while stopping: ${error instanceof Error ? error.message : String(error)}`);
    }
    clearInterval(sweep);
    clearTimeout(deadline);
    logger.log('Stopped');
    process.exit(ExitCode.OK);
  };

  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}
