import { Module } from '@nestjs/common';
import { AccessLog } from './access-log.js';

/** The access log (the app's logger, AppLogger, is set on the app at bootstrap). */
@Module({
  providers: [AccessLog],
  exports: [AccessLog],
})
export class LoggingModule {}
