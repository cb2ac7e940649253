import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { setupApp } from './app.setup.js';
import { ConfigValidationError } from './config/config.parsers.js';
import type { AllConfig } from './config/config.type.js';
import { ExitCode } from './lifecycle/exit-codes.js';
import { exitGracefullyOnSignals } from './lifecycle/graceful-shutdown.js';
import { AppLogger } from './logging/app.logger.js';
import { PortGuardService, PortHeldError } from './port-guard/port-guard.service.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    // Throw instead of aborting, and hold Nest's own logs until our logger is set,
    // so that a bad setting prints one line and not a stack trace.
    abortOnError: false,
    bufferLogs: true,
    autoFlushLogs: false,
    bodyParser: false,
  });
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const { logLevel, shutdownTimeoutMs } = config.getOrThrow('app', { infer: true });
  app.useLogger(new AppLogger(logLevel, [config.getOrThrow('airflow', { infer: true }).password]));
  app.flushLogs();
  // Before anything slow, so that a stop signal during start-up is a clean stop too.
  exitGracefullyOnSignals(app, shutdownTimeoutMs);
  setupApp(app);
  await app.init();
  // The port guard listens, or stands by behind an instance already serving the port.
  await app.get(PortGuardService).start(app);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(ExitCode.BAD_CONFIG);
  }
  if (error instanceof PortHeldError) {
    new Logger('PortGuard').error(error.message);
    process.exit(ExitCode.PORT_HELD);
  }
  Logger.flush();
  process.stderr.write(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(ExitCode.FAILURE);
});
