import { Logger } from '@nestjs/common';
import { ConfigValidationError } from '../config/config.parsers.js';
import { ExitCode } from './lifecycle.constants.js';
import { FatalError } from './lifecycle.errors.js';

/** Ends the process: the one process.exit of ours (but lifecycle.signals.ts'), so that every way out has a documented code. */
export function exitProcess(code: ExitCode): never {
  process.exit(code);
}

/** What server.ts does when the service cannot start: one line saying why, and the matching exit code. */
export function exitOnStartupFailure(error: unknown): never {
  if (error instanceof ConfigValidationError) {
    // The logger may not be set yet: the message alone, without Nest's buffered start-up lines.
    process.stderr.write(`${error.message}\n`);
    return exitProcess(ExitCode.BAD_CONFIG);
  }
  if (error instanceof FatalError) {
    new Logger(error.context).error(error.message);
    return exitProcess(error.exitCode);
  }
  Logger.flush();
  process.stderr.write(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return exitProcess(ExitCode.FAILURE);
}
