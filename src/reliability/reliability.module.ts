import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { ReliabilityController } from './reliability.controller.js';
import { ReliabilityService } from './reliability.service.js';
import { ReliabilityGauge } from './reliability.gauge.js';

/** How reliable each watched DAG is (issue 20), from the mirror's memory of its runs. */
@Module({
  imports: [DagStatusModule],
  controllers: [ReliabilityController],
  providers: [ReliabilityService, ReliabilityGauge],
  exports: [ReliabilityService],
})
export class ReliabilityModule {}
