import { Module } from '@nestjs/common';
import { OverviewModule } from '../overview/overview.module.js';
import { PagesController } from './pages.controller.js';

/** Pages for people beyond the seed's: /dags, and the script that keeps every page live (/assets/live.js). */
@Module({
  imports: [OverviewModule],
  controllers: [PagesController],
})
export class PagesModule {}
