import { Module } from '@nestjs/common';
import { PortGuardService } from './port-guard.service.js';
import { PortGuardWatchdog } from './port-guard.watchdog.js';
import { PortHolderFinder, ProcFiles } from './port-holder.finder.js';
import { PortProbe } from './port.probe.js';

/**
 * Who gets FLASK_PORT: the guard that listens or stands by, and its watchdog (an
 * interval in the app's SchedulerRegistry, from AppModule's ScheduleModule).
 */
@Module({
  providers: [PortGuardService, PortGuardWatchdog, PortProbe, PortHolderFinder, ProcFiles],
  exports: [PortGuardService],
})
export class PortGuardModule {}
