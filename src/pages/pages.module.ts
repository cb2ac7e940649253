import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { HttpEdgeModule } from '../http/http-edge.module.js';
import { OverviewModule } from '../overview/overview.module.js';
import { ReliabilityModule } from '../reliability/reliability.module.js';
import { DagsPageReplay } from './dags-page.replay.js';
import { PagesController } from './pages.controller.js';
import { StatusPageController } from './status-page.controller.js';

/** The HTML pages for people: the seed's /, /success and /failure, /dags (replayed while it shows the same), and the script that keeps them live. */
@Module({
  imports: [DagStatusModule, OverviewModule, HttpEdgeModule, ReliabilityModule],
  controllers: [StatusPageController, PagesController],
  providers: [DagsPageReplay],
})
export class PagesModule {}
