import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { ReliabilityModule } from '../reliability/reliability.module.js';
import { BadgesController } from './badges.controller.js';

@Module({
  imports: [DagStatusModule, ReliabilityModule],
  controllers: [BadgesController],
})
export class BadgesModule {}
