// First: signal listeners before anything slow is loaded (see the module).
import './lifecycle/lifecycle.signals.js';
import 'reflect-metadata';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { setupApp } from './app.setup.js';
import type { AllConfig } from './config/config.type.js';
import { exitOnStartupFailure } from './lifecycle/lifecycle.exit.js';
import { LifecycleService } from './lifecycle/lifecycle.service.js';
import { AppLogger } from './logging/app.logger.js';
import { PortGuardService } from './port-guard/port-guard.service.js';

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
  const { logLevel } = config.getOrThrow('app', { infer: true });
  const notifications = config.getOrThrow('notifications', { infer: true });
  const secrets = [
    config.getOrThrow('airflow', { infer: true }).password,
    ...config.getOrThrow('access', { infer: true }).tokens,
    // Webhook URLs are credentials too (Slack's carries its token in the path).
    ...notifications.secrets,
    ...notifications.webhooks.map((webhook) => webhook.url),
  ];
  app.useLogger(new AppLogger(logLevel, secrets));
  app.flushLogs();
  // Before anything slow, so that a stop signal during start-up is a clean stop too.
  app.get(LifecycleService).manage(app);
  setupApp(app);
  await app.init();
  // The port guard listens, or stands by behind an instance already serving the port.
  await app.get(PortGuardService).start();
}

bootstrap().catch(exitOnStartupFailure);
