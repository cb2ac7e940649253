import { Module } from '@nestjs/common';
import { AirflowModule } from '../airflow/airflow.module.js';
import { MirrorHistory } from './mirror.history.js';
import { MirrorPast } from './mirror.past.js';
import { MirrorStore } from './mirror.store.js';
import { MirrorSync } from './mirror.sync.js';

/** The mirror of Airflow's watched DAGs, kept current by one sync loop; readers use MirrorStore. */
@Module({
  imports: [AirflowModule],
  providers: [MirrorStore, MirrorHistory, MirrorPast, MirrorSync],
  exports: [MirrorStore],
})
export class MirrorModule {}
