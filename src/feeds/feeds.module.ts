import { Module } from '@nestjs/common';
import { AirflowModule } from '../airflow/airflow.module.js';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { FeedsController } from './feeds.controller.js';
import { FeedsService } from './feeds.service.js';

/** Atom feeds of verdict changes, per DAG and for every watched DAG: the README's "Alerts". */
@Module({
  // DagStatusModule: the mirror and the DAG-id check every route shares; AirflowModule: links into Airflow's UI.
  imports: [DagStatusModule, AirflowModule],
  controllers: [FeedsController],
  providers: [FeedsService],
})
export class FeedsModule {}
