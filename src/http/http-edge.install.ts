import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { HttpReplay } from './http.replay.js';
import { HttpTelemetry } from './http.telemetry.js';

/** Telemetry on Express itself, ahead of Nest's router, so that Swagger's routes and unmatched paths get ids and metrics too. */
export function installHttpEdge(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.use(app.get(HttpTelemetry).middleware);
  app.get(HttpReplay).install(app.getHttpServer() as Server);
}
