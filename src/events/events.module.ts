import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { EventsController } from './events.controller.js';
import { EventsService } from './events.service.js';

/** Live updates: `GET /api/events` (Server-Sent Events), fed by the mirror's changes. */
@Module({
  imports: [DagStatusModule],
  controllers: [EventsController],
  providers: [EventsService],
})
export class EventsModule {}
