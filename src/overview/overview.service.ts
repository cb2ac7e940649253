import { Injectable } from '@nestjs/common';
import type { DagOverviewDto } from '../dag-status/dag-status.dto.js';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import { selectOverviews } from './overview.selection.js';
import type { OverviewQuery, OverviewSelection } from './overview.types.js';

/** Every watched DAG's overview, whole or filtered and paged, for the JSON overview and the /dags page. */
@Injectable()
export class OverviewService {
  constructor(private readonly status: DagStatusService) {}

  /** Every DAG, in order. */
  all(): Promise<DagOverviewDto[]> {
    return this.status.overviews();
  }

  /** The page of DAGs `query` asks for, with the counts of the whole set; filtered in memory, no Airflow call of its own. */
  async select(query: OverviewQuery): Promise<OverviewSelection> {
    return selectOverviews(await this.status.overviews(), query);
  }
}
