import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { PagesController } from './pages.controller.js';

/** Pages for people beyond the seed's: /dags, and the script that keeps every page live (/assets/live.js). */
@Module({
  imports: [DagStatusModule],
  controllers: [PagesController],
})
export class PagesModule {}
