import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { AllConfig } from '../config/config.type.js';
import { AirflowError } from './airflow.errors.js';
import { AirflowRepository } from './airflow.repository.js';
import { SingleFlight } from '../common/single-flight.js';

type Outcome = { up: true; isPaused: boolean | null } | { up: false; reason: string; message: string };

/**
 * Terminus indicator: Airflow is reachable, accepts our credentials and knows
 * the DAG. A probe's outcome is shared and reused for as long as status answers
 * are, so a fleet of readiness probes costs Airflow at most one call per TTL.
 */
@Injectable()
export class AirflowHealthIndicator {
  private readonly probes = new Map<string, SingleFlight<Outcome>>();
  private readonly reuseMs: number;

  constructor(
    private readonly airflow: AirflowRepository,
    private readonly health: HealthIndicatorService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.reuseMs = config.getOrThrow('dagStatus', { infer: true }).cacheTtlMs;
  }

  async isHealthy<const Key extends string>(key: Key, dagId: string): Promise<HealthIndicatorResult<Key>> {
    const session = this.health.check(key);
    const outcome = await this.probeOf(dagId).run(() => this.probe(dagId));
    const { apiVersion, authScheme } = this.airflow.connectionInfo();
    if (outcome.up) {
      return session.up({ dag_id: dagId, api_version: apiVersion, auth: authScheme, is_paused: outcome.isPaused });
    }
    return session.down({ dag_id: dagId, reason: outcome.reason, message: outcome.message });
  }

  private probeOf(dagId: string): SingleFlight<Outcome> {
    let probe = this.probes.get(dagId);
    if (!probe) this.probes.set(dagId, (probe = new SingleFlight(this.reuseMs)));
    return probe;
  }

  private async probe(dagId: string): Promise<Outcome> {
    try {
      const dag = await this.airflow.getDag(dagId);
      return { up: true, isPaused: dag.isPaused };
    } catch (error) {
      if (error instanceof AirflowError) return { up: false, reason: error.reason, message: error.message };
      throw error;
    }
  }
}
