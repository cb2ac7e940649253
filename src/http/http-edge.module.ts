import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AccessModule } from '../access/access.module.js';
import { LoggingModule } from '../logging/logging.module.js';
import { HttpExceptionFilter } from './http-exception.filter.js';
import { HttpReplay } from './http.replay.js';
import { HttpTelemetry } from './http.telemetry.js';

/**
 * The HTTP edge: the one error shape (HttpExceptionFilter), the headers and
 * telemetry every answer gets, and the replay of recorded answers; installed on the server by
 * `installHttpEdge` at bootstrap.
 */
@Module({
  imports: [LoggingModule, AccessModule],
  providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }, HttpTelemetry, HttpReplay],
  exports: [HttpTelemetry, HttpReplay],
})
export class HttpEdgeModule {}
