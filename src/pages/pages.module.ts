import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { OverviewModule } from '../overview/overview.module.js';
import { ReliabilityModule } from '../reliability/reliability.module.js';
import { PagesController } from './pages.controller.js';
import { StatusPageController } from './status-page.controller.js';

/** The HTML pages for people: the seed's /, /success and /failure, /dags, and the script that keeps them live. */
@Module({
  imports: [DagStatusModule, OverviewModule, ReliabilityModule],
  controllers: [StatusPageController, PagesController],
})
export class PagesModule {}
