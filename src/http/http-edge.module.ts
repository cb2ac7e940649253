import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AccessModule } from '../access/access.module.js';
import { LoggingModule } from '../logging/logging.module.js';
import { HttpExceptionFilter } from './http-exception.filter.js';
import { HttpReplay } from './http.replay.js';
import { HttpTelemetry } from './http.telemetry.js';

/** The one error shape, the headers and telemetry of every answer, and the replay; `installHttpEdge` puts them on the server. */
@Module({
  imports: [LoggingModule, AccessModule],
  providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }, HttpTelemetry, HttpReplay],
  exports: [HttpTelemetry, HttpReplay],
})
export class HttpEdgeModule {}
