import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AirflowError } from '../airflow/airflow.errors.js';
import { AirflowRepository } from '../airflow/airflow.repository.js';
import type { AirflowPage, DagRun } from '../airflow/airflow.types.js';
import { SingleFlight } from '../common/single-flight.js';
import type { AllConfig } from '../config/config.type.js';
import { keep } from './mirror.runs.js';
import { FINAL_STATES, isFinished, RUNS_KEPT, type DagHistory, type FailedTask } from './mirror.types.js';

/** What a read beyond the runs kept asks for: Airflow's largest page, the run list route's maximum. */
const MORE_RUNS = 100;
/** No failed task: one array for every DAG's history (thousands of them) rather than one each. */
const NO_TASKS: readonly FailedTask[] = Object.freeze([]);
/** Task states that name what broke a failed run. */
const FAILED_TASK_STATES = ['failed', 'upstream_failed'] as const;

/**
 * What the mirror knows of a DAG's history between syncs. `undefined`: not known (never read, or
 * the run it was changed since), to be looked up; null: there is none.
 */
export interface KnownHistory {
  lastFinished: DagRun | null | undefined;
  lastSuccess: DagRun | null | undefined;
  /** The failed tasks of a failed run, read once per run. */
  failedTasks: { runId: string; tasks: readonly FailedTask[] } | null;
}

export const UNKNOWN_HISTORY: KnownHistory = { lastFinished: undefined, lastSuccess: undefined, failedTasks: null };

/**
 * The reads of one DAG that the changes feed cannot replace: its newest runs read whole (first
 * load, a new DAG, reconciliation), the last finished run and last success when they are older
 * than the runs kept, the failed tasks of a failed run (once per run), and more runs than the
 * mirror keeps (cached for STATUS_CACHE_TTL_MS).
 */
@Injectable()
export class MirrorHistory {
  private readonly ttlMs: number;
  private readonly longReads = new Map<string, SingleFlight<DagRun[]>>();

  constructor(
    private readonly airflow: AirflowRepository,
    config: ConfigService<AllConfig, true>,
  ) {
    this.ttlMs = config.getOrThrow('dagStatus', { infer: true }).cacheTtlMs;
  }

  /** The DAG's newest runs, newest first, as the mirror keeps them. @throws AirflowError */
  newestRuns(dagId: string): Promise<DagRun[]> {
    return this.airflow.listRuns(dagId, RUNS_KEPT);
  }

  /**
   * The newest runs beyond the ones the mirror keeps: one read of Airflow's largest page (100, the
   * routes' maximum), shared per DAG per TTL whatever `limit`s clients ask. @throws AirflowError
   */
  async moreRuns(dagId: string): Promise<DagRun[]> {
    let flight = this.longReads.get(dagId);
    if (flight === undefined) this.longReads.set(dagId, (flight = new SingleFlight<DagRun[]>(this.ttlMs)));
    return flight.run(() => this.airflow.listRuns(dagId, MORE_RUNS));
  }

  /**
   * The history shown for `runs` (the DAG's newest, newest first): found among them where they
   * hold it, else what was known, else looked up (a page that is not full holds every run there
   * is). A lookup that fails leaves the value unknown, to be asked again at the next sync.
   */
  async resolve(dagId: string, runs: readonly DagRun[], known: KnownHistory): Promise<{ history: DagHistory; known: KnownHistory }> {
    const complete = runs.length < RUNS_KEPT;
    let lastFinished = runs.find(isFinished) ?? (complete ? null : known.lastFinished);
    let lastSuccess = runs.find((run) => run.state === 'success') ?? (complete ? null : known.lastSuccess);
    if (lastFinished === undefined) lastFinished = await this.lookUp(dagId, FINAL_STATES);
    if (lastSuccess === undefined) {
      lastSuccess = lastFinished?.state === 'success' ? lastFinished : await this.lookUp(dagId, ['success']);
    }
    const failedTasks = await this.failedTasksOf(dagId, lastFinished ?? null, known.failedTasks);
    return {
      history: { lastFinished: lastFinished ?? null, lastSuccess: lastSuccess ?? null, failedTasks: failedTasks?.tasks ?? NO_TASKS },
      known: { lastFinished, lastSuccess, failedTasks },
    };
  }

  /** Drops what is kept for a DAG that is no longer watched. */
  forget(dagId: string): void {
    this.longReads.delete(dagId);
  }

  private async lookUp(dagId: string, states: readonly string[]): Promise<DagRun | null | undefined> {
    try {
      const [found] = await this.airflow.listRuns(dagId, 1, states);
      return found === undefined ? null : keep(found, dagId);
    } catch (caught) {
      if (caught instanceof AirflowError) return undefined;
      throw caught;
    }
  }

  /** The failed tasks of `run` when it failed: read once per run; null when there are none to show. */
  private async failedTasksOf(dagId: string, run: DagRun | null, known: KnownHistory['failedTasks']): Promise<KnownHistory['failedTasks']> {
    if (run?.state !== 'failed') return null;
    if (known?.runId === run.runId) return known;
    try {
      return { runId: run.runId, tasks: await this.failedTasks(dagId, run.runId) };
    } catch (caught) {
      // The run itself was read: without its tasks the answer is still worth giving; they are asked again next sync.
      if (caught instanceof AirflowError) return null;
      throw caught;
    }
  }

  /** The failed tasks of a run, one line per task (its first failed index linked). @throws AirflowError */
  async failedTasks(dagId: string, runId: string): Promise<FailedTask[]> {
    const instances = await this.airflow.listTaskInstances(dagId, runId, FAILED_TASK_STATES);
    const seen = new Set<string>();
    const tasks: FailedTask[] = [];
    for (const instance of instances) {
      // A mapped task fails once per index; one line per task names it, its first failed index is linked.
      if (instance.state === null || seen.has(instance.taskId)) continue;
      seen.add(instance.taskId);
      tasks.push({
        taskId: instance.taskId,
        state: instance.state,
        logUrl: this.airflow.taskLogUrl(dagId, runId, instance.taskId, instance.mapIndex),
      });
    }
    return tasks;
  }

  /** A page of the DAG's runs due since `since`, newest first, for its past (MirrorPast). @throws AirflowError */
  pastPage(dagId: string, since: string, offset: number): Promise<AirflowPage<DagRun>> {
    return this.airflow.listRunsDueSince(dagId, since, offset);
  }
}
