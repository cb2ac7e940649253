import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AirflowModule } from '../airflow/airflow.module.js';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), AirflowModule, DagStatusModule],
  controllers: [HealthController],
})
export class HealthModule {}
