import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { HttpReplay } from './http.replay.js';
import { HttpTelemetry } from './http.telemetry.js';

/**
 * Puts the HTTP edge on the app's server: the telemetry middleware on Express
 * itself, ahead of Nest's router, so that Swagger's routes and unmatched paths
 * get the headers, a request id and their metrics too; and the replay of
 * recorded answers in front of Express.
 */
export function installHttpEdge(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.use(app.get(HttpTelemetry).middleware);
  app.get(HttpReplay).install(app.getHttpServer() as Server);
}
