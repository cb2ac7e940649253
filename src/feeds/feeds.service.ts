import { Injectable } from '@nestjs/common';
import { DagNotFoundError } from '../airflow/airflow.errors.js';
import { AirflowRepository } from '../airflow/airflow.repository.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import { dagEntries, EVERY_DAG_ENTRIES, feedId, feedOrigin, feedUpdated, newestFirst, type FeedContext } from './feeds.entries.js';
import type { Feed } from './feeds.types.js';

/**
 * The feeds, made at each request from what the mirror holds (Airflow's runs and the DAGs'
 * attributes): nothing is remembered between requests, so a restart or another replica answers
 * the same entries with the same ids.
 */
@Injectable()
export class FeedsService {
  private readonly context: FeedContext;

  constructor(
    private readonly store: MirrorStore,
    private readonly airflow: AirflowRepository,
  ) {
    this.context = {
      origin: feedOrigin(airflow.connectionInfo().baseUrl),
      airflowUrl: (dagId, runId) => airflow.uiUrl(dagId, runId),
    };
  }

  /**
   * One DAG's feed; while Airflow cannot be read, from the last good read of it.
   * @throws AirflowError when there is none (DagNotFoundError for a DAG that is not watched or that Airflow does not know)
   */
  async dagFeed(dagId: string): Promise<Feed> {
    const snapshot = await this.store.read(dagId);
    const seen = lastGood(snapshot);
    if (seen === null) throw snapshot.error ?? new DagNotFoundError(dagId);
    const entries = dagEntries(seen, this.context);
    return {
      id: feedId(this.context.origin, dagId),
      title: `${dagId}: verdict changes`,
      subtitle: `When ${dagId} fails, recovers, is paused or stops importing, from its runs in Airflow.`,
      updated: feedUpdated(entries, seen.runs ?? []),
      self: `/api/dags/${encodeURIComponent(dagId)}/feed.atom`,
      alternate: this.airflow.uiUrl(dagId, null),
      entries,
    };
  }

  /** Every watched DAG's entries, newest first, the newest EVERY_DAG_ENTRIES; a DAG Airflow cannot tell about is left out. */
  async everyDagFeed(): Promise<Feed> {
    await this.store.fresh();
    const snapshots = await Promise.all(
      this.store.allowedDagIds.map(
        // Not read yet: waits for its first read, in its turn; one that left the watched set meanwhile is left out.
        async (dagId) => this.store.current(dagId) ?? this.store.read(dagId, 1, false).catch(forgetGone),
      ),
    );
    const seen = snapshots.map((snapshot) => (snapshot === undefined ? null : lastGood(snapshot))).filter((s) => s !== null);
    const entries = seen
      .flatMap((snapshot) => dagEntries(snapshot, this.context))
      .sort(newestFirst)
      .slice(0, EVERY_DAG_ENTRIES);
    return {
      id: feedId(this.context.origin, null),
      title: 'Every watched DAG: verdict changes',
      subtitle: 'When a watched DAG fails, recovers, is paused or stops importing, from its runs in Airflow; the newest first.',
      updated: feedUpdated(
        entries,
        seen.flatMap((snapshot) => snapshot.runs?.slice(0, 1) ?? []),
      ),
      self: '/api/dags/feed.atom',
      alternate: '/dags',
      entries,
    };
  }
}

/** The snapshot to derive from: this one, or while Airflow cannot be read the last good one; null for a DAG Airflow does not know. */
function lastGood(snapshot: DagSnapshot): DagSnapshot | null {
  if (snapshot.error === null) return snapshot;
  return snapshot.error instanceof DagNotFoundError ? null : snapshot.lastKnown;
}

function forgetGone(caught: unknown): undefined {
  if (caught instanceof DagNotFoundError) return undefined;
  throw caught;
}
