import type { DagSnapshot } from '../mirror/mirror.types.js';

/** A DAG objective's error budget burning fast (issue 20): what the verdict `budget_burn` says. */
export interface BudgetBurn {
  /** The objective in words: "success 99 % over 30d". */
  readonly objective: string;
  /** The burn rate over the long lookback: how many times faster than the window allows. */
  readonly rate: number;
  /** The share of the budget left (below 0: overspent), null when unknown. */
  readonly budgetLeft: number | null;
}

/**
 * What judges `budget_burn`: the reliability feature, which depends on this one, so it is handed in
 * by token (a global provider) rather than imported; absent, no DAG burns.
 */
export interface VerdictCondition {
  budgetBurn(snapshot: DagSnapshot, now: number): BudgetBurn | null;
}

export const VERDICT_CONDITION = Symbol('VERDICT_CONDITION');
