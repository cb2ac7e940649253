import { Injectable } from '@nestjs/common';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import type { DagOverview } from '../dag-status/dag-status.types.js';
import { selectOverviews } from './overview.selection.js';
import type { OverviewQuery, OverviewSelection } from './overview.types.js';

/** Every watched DAG's overview, whole or filtered and paged, for the JSON overview and the /dags page. */
@Injectable()
export class OverviewService {
  constructor(private readonly status: DagStatusService) {}

  /** Every DAG, in order. */
  all(): Promise<DagOverview[]> {
    return this.status.overviews();
  }

  /** The page of DAGs `query` asks for, with the counts of the whole set; filtered in memory, no Airflow call of its own. */
  async select(query: OverviewQuery): Promise<OverviewSelection> {
    return selectOverviews(await this.status.overviews(), query);
  }
}
