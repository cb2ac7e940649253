import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { OverviewController } from './overview.controller.js';

@Module({
  imports: [DagStatusModule],
  controllers: [OverviewController],
})
export class OverviewModule {}
