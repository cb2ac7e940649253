import { Global, Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { VERDICT_CONDITION } from '../dag-status/dag-status.tokens.js';
import { ReliabilityController } from './reliability.controller.js';
import { ReliabilityService } from './reliability.service.js';
import { ReliabilityGauge } from './reliability.gauge.js';

/**
 * How reliable each watched DAG is (issue 20), from the mirror's memory of its runs. Global only to
 * hand DagStatusService its `budget_burn` judge (VERDICT_CONDITION) without an import back.
 */
@Global()
@Module({
  imports: [DagStatusModule],
  controllers: [ReliabilityController],
  providers: [ReliabilityService, ReliabilityGauge, { provide: VERDICT_CONDITION, useExisting: ReliabilityService }],
  exports: [ReliabilityService, VERDICT_CONDITION],
})
export class ReliabilityModule {}
