import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { perDagValue } from '../config/config.parsers.js';
import type { AllConfig } from '../config/config.type.js';
import type { DagStatusConfig } from '../config/dag-status.config.js';
import type { ReliabilityConfig } from '../config/reliability.config.js';
import type { BudgetBurn, VerdictCondition } from '../dag-status/dag-status.tokens.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import { windowName } from './reliability.dto.js';
import { reliabilityOf } from './reliability.rules.js';
import type { Reliability } from './reliability.types.js';

/**
 * Figures move with time alone (a window slides, a run comes due): a DAG's figures are reused while its
 * past's revision and its snapshot's stay, for at most this long; the gauges refresh at this period.
 */
export const FIGURES_REUSE_MS = 60_000;
/**
 * Figures kept at most (the most recently used): a page of /dags and the badges in use, not every DAG,
 * which the gauges' sweep would otherwise keep for every watched DAG.
 */
const MAX_KEPT = 512;

/** Each watched DAG's reliability figures, from the mirror's memory of its past: never an Airflow call. */
@Injectable()
export class ReliabilityService implements VerdictCondition {
  readonly windows: readonly number[];
  private readonly config: ReliabilityConfig;
  private readonly graces: DagStatusConfig['overdueGrace'];
  private readonly cache = new Map<string, { past: number; snapshot: number; at: number; figures: Reliability }>();

  constructor(
    private readonly store: MirrorStore,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('reliability', { infer: true });
    this.graces = config.getOrThrow('dagStatus', { infer: true }).overdueGrace;
    this.windows = this.config.windows;
  }

  /**
   * The figures of an allowed DAG, for the API.
   * @throws AirflowError as the other per-DAG routes (DagNotFoundError: 404 for a DAG not watched or unknown)
   * @throws ServiceUnavailableException while its past has not been read yet
   */
  async read(dagId: string, now = Date.now()): Promise<Reliability> {
    const snapshot = await this.store.read(dagId);
    if (snapshot.error !== null) throw snapshot.error;
    const figures = this.of(snapshot, now);
    if (figures === null) throw new ServiceUnavailableException(`The runs of ${dagId} are still being read; try again shortly`);
    return figures;
  }

  /** The figures of a watched DAG from memory, null until its past has been read (for pages, badges, metrics). */
  peek(dagId: string, now = Date.now()): Reliability | null {
    const snapshot = this.store.current(dagId);
    return snapshot === undefined ? null : this.of(snapshot, now);
  }

  /**
   * `budget_burn` for DagStatusService's verdict: the first objective of the DAG whose error budget
   * burns fast (README "Reliability"), null when none does or its past is not read.
   */
  budgetBurn(snapshot: DagSnapshot, now: number): BudgetBurn | null {
    if (perDagValue(this.config.objectives, snapshot.dagId).length === 0) return null;
    const objective = this.of(snapshot, now)?.objectives.find((o) => o.fastBurn);
    if (objective === undefined) return null;
    return {
      objective: `${objective.metric === 'success' ? 'success' : 'on time'} ${+(objective.target * 100).toFixed(2)} % over ${windowName(objective.windowMs)}`,
      rate: objective.burn.long!,
      budgetLeft: objective.budgetLeft,
    };
  }

  private of(snapshot: DagSnapshot, now: number): Reliability | null {
    const dagId = snapshot.dagId;
    const past = this.store.past(dagId);
    if (past === null) return null;
    const cached = this.cache.get(dagId);
    if (cached?.past === past.revision && cached.snapshot === snapshot.revision && now - cached.at < FIGURES_REUSE_MS && now >= cached.at) {
      // Most recently used last: the oldest go first.
      this.cache.delete(dagId);
      this.cache.set(dagId, cached);
      return cached.figures;
    }
    const attributes = snapshot.attributes ?? snapshot.lastKnown?.attributes ?? null;
    const figures = reliabilityOf({
      past,
      now,
      windows: this.windows,
      graceMs: perDagValue(this.graces, dagId),
      schedule: attributes?.schedule ?? null,
      objectives: perDagValue(this.config.objectives, dagId),
      failedTasks: (runId) => this.store.pastFailedTasks(dagId, runId),
    });
    this.cache.delete(dagId);
    this.cache.set(dagId, { past: past.revision, snapshot: snapshot.revision, at: now, figures });
    if (this.cache.size > MAX_KEPT) this.cache.delete(this.cache.keys().next().value!);
    return figures;
  }
}
