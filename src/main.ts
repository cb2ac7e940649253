import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { setupApp } from './app.setup.js';
import { ConfigValidationError } from './config/config.parsers.js';
import type { AllConfig } from './config/config.type.js';
import { AppLogger } from './logging/app.logger.js';

/** Exit code for a configuration the service refuses to start with (EX_CONFIG). */
const EXIT_BAD_CONFIG = 78;

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
  const { host, port, logLevel } = config.getOrThrow('app', { infer: true });
  app.useLogger(new AppLogger(logLevel, [config.getOrThrow('airflow', { infer: true }).password]));
  app.flushLogs();
  app.enableShutdownHooks();
  setupApp(app);
  await app.listen(port, host);
  new Logger('Bootstrap').log(`Serving on http://${host}:${port} (Swagger UI at /docs)`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT_BAD_CONFIG);
  }
  Logger.flush();
  process.stderr.write(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
