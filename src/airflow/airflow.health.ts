import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { SingleFlightCache } from '../cache/single-flight.cache.js';
import type { AllConfig } from '../config/config.type.js';
import { AirflowClient } from './airflow.client.js';
import { AirflowError } from './airflow.errors.js';

type Outcome = { up: true; isPaused: boolean | null } | { up: false; reason: string; message: string };

/**
 * Terminus indicator: Airflow is reachable, accepts our credentials and knows
 * the DAG. Probes are shared and reused like status reads, so a fleet of
 * readiness probes costs Airflow at most one call per TTL.
 */
@Injectable()
export class AirflowHealthIndicator {
  private readonly cache: SingleFlightCache<string, Outcome>;

  constructor(
    private readonly client: AirflowClient,
    private readonly health: HealthIndicatorService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.cache = new SingleFlightCache(config.getOrThrow('dagStatus', { infer: true }).cacheTtlMs);
  }

  async isHealthy<const Key extends string>(key: Key, dagId: string): Promise<HealthIndicatorResult<Key>> {
    const session = this.health.check(key);
    const outcome = await this.cache.get(dagId, () => this.probe(dagId)).value;
    const { apiVersion, authScheme } = this.client.connectionInfo();
    if (outcome.up) {
      return session.up({ dag_id: dagId, api_version: apiVersion, auth: authScheme, is_paused: outcome.isPaused });
    }
    return session.down({ dag_id: dagId, reason: outcome.reason, message: outcome.message });
  }

  private async probe(dagId: string): Promise<Outcome> {
    try {
      const dag = await this.client.getDag(dagId);
      return { up: true, isPaused: dag.isPaused };
    } catch (error) {
      if (error instanceof AirflowError) return { up: false, reason: error.reason, message: error.message };
      throw error;
    }
  }
}
