import type { ExitCode } from './lifecycle.constants.js';

/** The process stops with `exitCode`; the message says it all, logged as one line under `context`, without a stack. */
export class FatalError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly context: string,
  ) {
    super(message);
  }
}
