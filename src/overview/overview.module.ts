import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { HttpEdgeModule } from '../http/http-edge.module.js';
import { OverviewQueryPipe } from './overview-query.pipe.js';
import { OverviewController } from './overview.controller.js';
import { OverviewReplay } from './overview.replay.js';
import { OverviewService } from './overview.service.js';

/** Every watched DAG at a glance: the JSON overview (replayed while it says the same), and the selection and source the /dags page shares with it. */
@Module({
  imports: [DagStatusModule, HttpEdgeModule],
  controllers: [OverviewController],
  providers: [OverviewService, OverviewReplay, OverviewQueryPipe],
  exports: [OverviewService, OverviewQueryPipe],
})
export class OverviewModule {}
