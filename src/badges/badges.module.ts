import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { BadgesController } from './badges.controller.js';

@Module({
  imports: [DagStatusModule],
  controllers: [BadgesController],
})
export class BadgesModule {}
