import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { WatchdogService } from './watchdog.service.js';

@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [WatchdogService],
  exports: [WatchdogService],
})
export class WatchdogModule {}
