import { Module } from '@nestjs/common';
import { AirflowModule } from '../airflow/airflow.module.js';
import { DagStatusController } from './dag-status.controller.js';
import { DagStatusService } from './dag-status.service.js';
import { StatusPageController } from './status-page.controller.js';

@Module({
  imports: [AirflowModule],
  controllers: [StatusPageController, DagStatusController],
  providers: [DagStatusService],
  exports: [DagStatusService],
})
export class DagStatusModule {}
