import { Injectable } from '@nestjs/common';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import type { DagOverview } from '../dag-status/dag-status.types.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import { selectOverviews } from './overview.selection.js';
import type { OverviewQuery, OverviewSelection, OverviewSource } from './overview.types.js';

/** Every watched DAG's overview, whole or filtered and paged, for the JSON overview and the /dags page. */
@Injectable()
export class OverviewService {
  private lastSource: OverviewSource | undefined;

  constructor(
    private readonly status: DagStatusService,
    private readonly store: MirrorStore,
  ) {}

  /** Every DAG, in order. */
  all(): Promise<DagOverview[]> {
    return this.status.overviews();
  }

  /** The page of DAGs `query` asks for, with the counts of the whole set; filtered in memory, no Airflow call of its own. */
  async select(query: OverviewQuery): Promise<OverviewSelection> {
    return selectOverviews(await this.status.overviews(), query);
  }

  /**
   * What the overviews would be made of now, the same object while the watched set and every snapshot
   * stay (a snapshot is new at each change and sync): the key of a replayed overview. Undefined when a
   * route would wait: a DAG not read yet, the mirror due to sync, or no DAG to tell.
   */
  source(now = Date.now()): OverviewSource | undefined {
    const dagIds = this.store.allowedDagIds;
    const last = this.lastSource;
    if (last?.dagIds === dagIds && dagIds.every((dagId, i) => this.store.current(dagId) === last.snapshots[i])) {
      return now < last.expiresAt ? last : undefined;
    }
    const snapshots: DagSnapshot[] = [];
    let expiresAt = Infinity;
    for (const dagId of dagIds) {
      const snapshot = this.store.current(dagId);
      if (snapshot === undefined) return undefined;
      snapshots.push(snapshot);
      expiresAt = Math.min(expiresAt, snapshot.expiresAt);
    }
    if (snapshots.length === 0 || now >= expiresAt) return undefined;
    return (this.lastSource = { dagIds, snapshots, expiresAt });
  }
}
