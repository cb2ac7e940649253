import { Module } from '@nestjs/common';
import { AirflowModule } from '../airflow/airflow.module.js';
import { HttpEdgeModule } from '../http/http-edge.module.js';
import { MirrorModule } from '../mirror/mirror.module.js';
import { DagIdPipe } from './dag-id.pipe.js';
import { DagStatusController } from './dag-status.controller.js';
import { DagStatusGauge } from './dag-status.gauge.js';
import { DagStatusReplay } from './dag-status.replay.js';
import { DagStatusService } from './dag-status.service.js';

@Module({
  imports: [AirflowModule, MirrorModule, HttpEdgeModule],
  controllers: [DagStatusController],
  providers: [DagStatusService, DagStatusReplay, DagStatusGauge, DagIdPipe],
  // DagIdPipe: every route that takes a DAG id checks it alike.
  exports: [MirrorModule, DagStatusService, DagIdPipe],
})
export class DagStatusModule {}
