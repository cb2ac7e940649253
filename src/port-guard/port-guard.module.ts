import { Module } from '@nestjs/common';
import { WatchdogModule } from '../watchdog/watchdog.module.js';
import { PortGuardService } from './port-guard.service.js';

@Module({
  imports: [WatchdogModule],
  providers: [PortGuardService],
  exports: [PortGuardService],
})
export class PortGuardModule {}
