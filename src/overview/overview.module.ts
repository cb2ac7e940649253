import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { OverviewQueryPipe } from './overview-query.pipe.js';
import { OverviewController } from './overview.controller.js';
import { OverviewService } from './overview.service.js';

/** Every watched DAG at a glance: the JSON overview, and the selection the /dags page shares with it. */
@Module({
  imports: [DagStatusModule],
  controllers: [OverviewController],
  providers: [OverviewService, OverviewQueryPipe],
  exports: [OverviewService, OverviewQueryPipe],
})
export class OverviewModule {}
