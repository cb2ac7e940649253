import { Inject, Injectable, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DagNotFoundError, type AirflowError } from '../airflow/airflow.errors.js';
import { AirflowRepository } from '../airflow/airflow.repository.js';
import type { DagRun } from '../airflow/airflow.types.js';
import { formatAge, formatLimit, formatSpan, utcTime } from '../common/time-format.js';
import { perDagValue } from '../config/config.parsers.js';
import type { AllConfig } from '../config/config.type.js';
import { maxSuccessAgeOf, type DagStatusConfig } from '../config/dag-status.config.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import { overdueAfter, runningLongAfter, staleAt, successTime, type DagHistory, type DagSnapshot } from '../mirror/mirror.types.js';
import { DagStatusDto } from './dag-status.dto.js';
import { DagStatusUnavailableError } from './dag-status.errors.js';
import { VERDICT_CONDITION, type VerdictCondition } from './dag-status.tokens.js';
import type { ConditionReason, DagOverview, NotSuccessReason, StatusVerdict } from './dag-status.types.js';

const EXPLANATIONS: Record<NotSuccessReason, string> = {
  no_run: 'The DAG has no run yet.',
  queued: 'The latest run is queued and has not started yet.',
  running: 'The latest run is still running.',
  failed: 'The latest run failed.',
  other_state: 'The latest run has not succeeded.',
  stale: 'The last success is older than MAX_SUCCESS_AGE allows.',
  import_error: "The DAG's file fails to import.",
  paused: 'The DAG is paused in Airflow: nothing runs until it is unpaused.',
  airflow_scheduler_down: "Airflow's scheduler has no recent heartbeat: nothing is scheduled or run until it is back.",
  airflow_dag_processor_down: "Airflow's DAG processor has no recent heartbeat: changes to DAG files are not picked up.",
  running_long: 'The latest run has gone on far longer than this DAG usually takes: it may be stuck.',
  overdue: 'The next scheduled run is overdue: it has not started.',
  budget_burn: "An objective's error budget is being spent far faster than its window allows.",
  airflow_unreachable: 'Airflow cannot be reached, so the state of the DAG is unknown.',
  airflow_timeout:
    'Airflow did not answer in time (it is slow or overloaded, or the network drops packets), so the state of the DAG is unknown.',
  airflow_overloaded: 'Airflow is up but overloaded (it asked for fewer requests), so the state of the DAG is unknown.',
  airflow_auth_refused: 'Airflow refused the credentials this service uses, so the state of the DAG is unknown.',
  config_mismatch: "This service's Airflow settings do not fit the Airflow it talks to, so the state of the DAG is unknown.",
  airflow_bad_response: 'Airflow answered something unexpected, so the state of the DAG is unknown.',
  dag_not_found: 'Airflow does not know this DAG.',
};

/** The strip of recent runs on the overview: as many as Airflow's grid shows by default. */
const RECENT_RUNS = 10;
const NO_HISTORY: DagHistory = { lastFinished: null, lastSuccess: null, failedTasks: [] };

/** Reads of the store as the routes need them: a successful snapshot for the JSON API, the seed's verdict for the pages. */
@Injectable()
export class DagStatusService {
  readonly targetDagId: string;
  private readonly config: DagStatusConfig;
  /** Per DAG, its overview at a revision. */
  private readonly overviewCache = new Map<string, { revision: number; overview: DagOverview }>();

  constructor(
    private readonly store: MirrorStore,
    private readonly airflow: AirflowRepository,
    config: ConfigService<AllConfig, true>,
    @Optional() @Inject(VERDICT_CONDITION) private readonly burns: VerdictCondition | null = null,
  ) {
    this.config = config.getOrThrow('dagStatus', { infer: true });
    this.targetDagId = this.config.targetDagId;
  }

  /**
   * A snapshot of an allowed DAG holding at least `runs` runs.
   * @throws AirflowError when Airflow could not be read (DagNotFoundError for a DAG outside ALLOWED_DAG_IDS)
   */
  async read(dagId: string, runs = 1): Promise<DagSnapshot & { runs: readonly DagRun[] }> {
    const snapshot = await this.store.read(dagId, runs);
    if (snapshot.error !== null) throw snapshot.error;
    return snapshot as DagSnapshot & { runs: readonly DagRun[] };
  }

  /**
   * Like {@link read}, for the status route: a failure carries the last status seen, if any.
   * @throws DagStatusUnavailableError (an AirflowError with `last_known`) or AirflowError
   */
  async readStatus(dagId: string): Promise<DagSnapshot & { runs: readonly DagRun[] }> {
    const snapshot = await this.store.read(dagId);
    if (snapshot.error === null) return snapshot as DagSnapshot & { runs: readonly DagRun[] };
    const known = snapshot.lastKnown?.status;
    if (known == null || snapshot.error.reason === 'dag_not_found') throw snapshot.error;
    throw new DagStatusUnavailableError(snapshot.error, DagStatusDto.from(known));
  }

  /**
   * Every watched DAG, ALLOWED_DAG_IDS first in its order; an Airflow fault shows in that DAG's
   * entry. From memory once the mirror is fresh: an overview is made again only when its DAG's
   * revision moved.
   */
  async overviews(): Promise<DagOverview[]> {
    await this.store.fresh();
    const overviews: Array<DagOverview | null> = [];
    const pending: Array<Promise<void>> = [];
    for (const dagId of this.store.allowedDagIds) {
      const snapshot = this.store.current(dagId);
      if (snapshot !== undefined) {
        overviews.push(this.describe(snapshot));
        continue;
      }
      // Not read yet: waits for its first read, in its turn. One that left the watched set meanwhile is not listed.
      const at = overviews.push(null) - 1;
      pending.push(
        this.store.read(dagId, RECENT_RUNS, false).then(
          (snapshot) => void (overviews[at] = this.describe(snapshot)),
          (caught: unknown) => {
            if (!(caught instanceof DagNotFoundError) || this.store.isAllowed(dagId)) throw caught;
          },
        ),
      );
    }
    await Promise.all(pending);
    return overviews.filter((overview) => overview !== null);
  }

  /**
   * Everything about one allowed DAG (never throws for an Airflow fault: it is in the entry).
   * @throws DagNotFoundError for a DAG outside ALLOWED_DAG_IDS
   */
  async overview(dagId: string): Promise<DagOverview> {
    return this.describe(await this.store.read(dagId, RECENT_RUNS));
  }

  /**
   * The overview of a DAG from one snapshot, judged now; reused while the DAG's revision stays
   * (the mirror moves it when staleness flips), with the snapshot's own fetched_at.
   */
  describe(snapshot: DagSnapshot, now?: Date): DagOverview {
    const cached = now === undefined ? this.overviewCache.get(snapshot.dagId) : undefined;
    if (cached?.revision === snapshot.revision) {
      if (snapshot.error !== null || cached.overview.fetchedAt === snapshot.fetchedAt) return cached.overview;
      const overview = { ...cached.overview, fetchedAt: snapshot.fetchedAt };
      this.overviewCache.set(snapshot.dagId, { revision: snapshot.revision, overview });
      return overview;
    }
    const overview = this.judgeOverview(snapshot, now ?? new Date());
    this.overviewCache.set(snapshot.dagId, { revision: snapshot.revision, overview });
    return overview;
  }

  private judgeOverview(snapshot: DagSnapshot, now: Date): DagOverview {
    const seen = snapshot.error === null ? snapshot : snapshot.lastKnown;
    return {
      ...this.judge(snapshot, now),
      recentRuns: (seen?.runs ?? []).slice(0, RECENT_RUNS),
      tags: snapshot.attributes?.tags ?? [],
    };
  }

  /** The seed's verdict on the target DAG; never throws for an Airflow failure, it explains it. */
  async verdict(now = new Date()): Promise<StatusVerdict> {
    return this.judge(await this.store.read(this.targetDagId), now);
  }

  /**
   * The verdict on a DAG from a snapshot: by VERDICT_BASIS, then MAX_SUCCESS_AGE, then what keeps the
   * DAG from running (issue 18's conditions, see `condition`), which any verdict but a failed run
   * gives way to; while Airflow cannot be read, the failure with the last state seen.
   */
  private judge(snapshot: DagSnapshot, now: Date): StatusVerdict {
    const { dagId } = snapshot;
    if (snapshot.error !== null) return this.judgeFailure(snapshot, snapshot.error, now);
    const run = snapshot.runs?.[0] ?? null;
    const history = snapshot.history ?? NO_HISTORY;
    const stale = staleAt(this.config.maxSuccessAge, dagId, history, now.getTime());
    const byLastFinished = this.config.verdictBasis === 'last_finished' && run !== null && !isFinal(run);
    const judged = byLastFinished ? history.lastFinished : run;
    let reason = judged === null && byLastFinished ? reasonFor(run) : reasonFor(judged);
    let explanation = reason === null ? 'The latest run succeeded.' : EXPLANATIONS[reason];
    if (byLastFinished && judged !== null) {
      explanation = `${reason === null ? 'The last finished run succeeded' : `The last finished run ${judged.state === 'failed' ? 'failed' : 'has not succeeded'}`}; a newer run is ${run.state === 'queued' ? 'queued' : 'in progress'}.`;
    }
    if (reason === null && stale === true) {
      reason = 'stale';
      explanation = this.staleExplanation(dagId, history, now);
    }
    // A failed run stays failed: what failed needs fixing whatever else holds.
    const condition = reason === 'failed' ? null : this.condition(snapshot, now);
    if (condition !== null) ({ reason, explanation } = condition);
    const burn = reason === null ? (this.burns?.budgetBurn(snapshot, now.getTime()) ?? null) : null;
    if (burn !== null) {
      reason = 'budget_burn';
      const left = burn.budgetLeft === null ? '' : `; ${Math.round(burn.budgetLeft * 100)} % of it is left`;
      explanation = `The error budget of its objective (${burn.objective}) is being spent ${Math.round(burn.rate * 10) / 10} times faster than the window allows${left}.`;
    }
    return {
      outcome: reason === null ? 'success' : 'failure',
      reason,
      explanation,
      dagId,
      run,
      airflowUrl: this.airflow.uiUrl(dagId, run?.runId ?? null),
      fetchedAt: snapshot.fetchedAt,
      history,
      stale,
      airflowError: null,
    };
  }

  private judgeFailure(snapshot: DagSnapshot, error: AirflowError, now: Date): StatusVerdict {
    const { dagId } = snapshot;
    const since = snapshot.failingSince ?? snapshot.fetchedAt;
    const known = error.reason === 'dag_not_found' ? null : snapshot.lastKnown;
    const run = known?.runs?.[0] ?? null;
    const history = known?.history ?? NO_HISTORY;
    let explanation = EXPLANATIONS[error.reason];
    if (known !== null) {
      explanation += ` Last seen ${utcTime(known.fetchedAt)}: ${run === null ? 'no run yet' : `the latest run ${run.state}`}.`;
    }
    return {
      outcome: 'failure',
      reason: error.reason,
      explanation,
      dagId,
      run,
      airflowUrl: this.airflow.uiUrl(dagId, run?.runId ?? null),
      // When the status shown was seen: the last good read, or this failure when there was none.
      fetchedAt: known?.fetchedAt ?? snapshot.fetchedAt,
      history,
      stale: known === null ? null : staleAt(this.config.maxSuccessAge, dagId, history, now.getTime()),
      airflowError: { reason: error.reason, message: error.message, since },
    };
  }

  /**
   * What keeps the DAG from running although its runs may look fine, the first that holds in this
   * order: its file does not import; it is paused (PAUSED_IS_FAILURE); Airflow's scheduler, then its DAG
   * processor, has no recent heartbeat; its running run has gone on far longer than usual
   * (RUNNING_LONG_FACTOR); its next scheduled run has not started within OVERDUE_GRACE. Null when none
   * does. Explanations give times, not ages: they hold until the DAG's revision moves.
   */
  private condition(snapshot: DagSnapshot, now: Date): { reason: ConditionReason; explanation: string } | null {
    const { dagId, attributes, importError, health } = snapshot;
    const runs = snapshot.runs ?? [];
    if (attributes?.hasImportErrors === true || importError !== null) {
      const file = importError?.filename ?? attributes?.fileloc ?? null;
      const error = importError?.message ? `: ${importError.message}` : '';
      return { reason: 'import_error', explanation: `The DAG's file${file === null ? '' : ` ${file}`} fails to import${error}.` };
    }
    if (attributes?.isPaused === true && perDagValue(this.config.pausedIsFailure, dagId)) {
      return { reason: 'paused', explanation: EXPLANATIONS.paused };
    }
    if (health?.scheduler.healthy === false) {
      const since = health.scheduler.latestHeartbeat;
      return {
        reason: 'airflow_scheduler_down',
        explanation: `Airflow's scheduler has sent no heartbeat ${since === null ? 'recently' : `since ${utcTime(since)}`}: nothing is scheduled or run until it is back.`,
      };
    }
    if (health?.dagProcessor?.healthy === false) {
      const since = health.dagProcessor.latestHeartbeat;
      return {
        reason: 'airflow_dag_processor_down',
        explanation: `Airflow's DAG processor has sent no heartbeat ${since === null ? 'recently' : `since ${utcTime(since)}`}: changes to DAG files, new DAGs and import errors are not picked up.`,
      };
    }
    const long = runningLongAfter(this.config.runningLongFactor, dagId, runs);
    const started = runs[0]?.startDate ?? null;
    if (long !== null && started !== null && now.getTime() > long.after) {
      return {
        reason: 'running_long',
        explanation: `The latest run, started ${utcTime(started)}, has gone on longer than ${formatSpan(long.after - Date.parse(started), { most: 2 })}, far beyond this DAG's usual ${formatSpan(long.usualMs, { most: 2 })}: it may be stuck.`,
      };
    }
    const overdue = overdueAfter(this.config.overdueGrace, dagId, attributes, runs);
    if (overdue !== null && attributes?.nextRunAfter != null && now.getTime() > overdue) {
      const graceMs = overdue - Date.parse(attributes.nextRunAfter);
      return {
        reason: 'overdue',
        explanation: `The scheduled run due ${utcTime(attributes.nextRunAfter)} has not started within ${formatLimit(graceMs)} (OVERDUE_GRACE).`,
      };
    }
    return null;
  }

  private staleExplanation(dagId: string, history: DagHistory, now: Date): string {
    const limit = maxSuccessAgeOf(this.config.maxSuccessAge, dagId) ?? 0;
    const ended = successTime(history.lastSuccess);
    const what = ended === null ? 'The DAG has never succeeded' : `The last success ended ${formatAge(now.getTime() - ended)}`;
    return `${what}; the limit is ${formatLimit(limit)}.`;
  }
}

function isFinal(run: DagRun): boolean {
  return run.state === 'success' || run.state === 'failed';
}

function reasonFor(run: DagRun | null): NotSuccessReason | null {
  if (run === null) return 'no_run';
  switch (run.state) {
    case 'success':
      return null;
    case 'failed':
      return 'failed';
    case 'running':
      return 'running';
    case 'queued':
      return 'queued';
    default:
      return 'other_state';
  }
}
