import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { ConfigValidationError } from '../config/config.parsers.js';
import { ExitCode } from './lifecycle.constants.js';
import { FatalError } from './lifecycle.errors.js';
import { exitOnStartupFailure } from './lifecycle.exit.js';

let exit: jest.Spied<typeof process.exit>;
let stderr: jest.Spied<typeof process.stderr.write>;

beforeAll(() => {
  Logger.overrideLogger(false);
});
afterAll(() => {
  Logger.overrideLogger(['log', 'error', 'warn']);
});

beforeEach(() => {
  exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  exit.mockRestore();
  stderr.mockRestore();
});

describe('exitOnStartupFailure', () => {
  it('prints an invalid setting as one line and exits 78', () => {
    exitOnStartupFailure(new ConfigValidationError('FLASK_PORT', 'must be a whole number'));
    expect(stderr).toHaveBeenCalledWith('Invalid configuration: FLASK_PORT must be a whole number\n');
    expect(exit).toHaveBeenCalledWith(ExitCode.BAD_CONFIG);
  });

  it('logs a fatal error as one line under its context and exits with its code', () => {
    const error = jest.spyOn(Logger.prototype, 'error');
    exitOnStartupFailure(new FatalError('Port 5555 is held', ExitCode.PORT_HELD, 'PortGuard'));
    expect(error).toHaveBeenCalledWith('Port 5555 is held');
    expect(stderr).not.toHaveBeenCalled();
    expect(exit).toHaveBeenCalledWith(ExitCode.PORT_HELD);
    error.mockRestore();
  });

  it('prints anything else with its stack and exits 1', () => {
    exitOnStartupFailure(new Error('boom'));
    expect(stderr).toHaveBeenCalledWith(expect.stringMatching(/^Failed to start: Error: boom\n {4}at /));
    expect(exit).toHaveBeenCalledWith(ExitCode.FAILURE);
  });
});
