import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { HttpEdgeModule } from '../http/http-edge.module.js';
import { EventsController } from './events.controller.js';
import { EventsHotPath } from './events.hot-path.js';
import { EventsService } from './events.service.js';

/** Live updates: `GET /api/events` (Server-Sent Events), fed by the status store's changes. */
@Module({
  imports: [DagStatusModule, HttpEdgeModule],
  controllers: [EventsController],
  providers: [EventsService, EventsHotPath],
})
export class EventsModule {}
