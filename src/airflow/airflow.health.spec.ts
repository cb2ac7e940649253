import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import { configOf } from '../config/config.fixtures.js';
import { attributesOf } from './airflow.fixtures.js';
import { AirflowUnreachableError } from './airflow.errors.js';
import { AirflowHealthIndicator } from './airflow.health.js';
import type { AirflowRepository } from './airflow.repository.js';
import type { DagAttributes } from './airflow.types.js';

describe('AirflowHealthIndicator', () => {
  let getDag: jest.Mock<(dagId: string) => Promise<DagAttributes>>;
  let now: number;

  function indicator(cacheTtlMs: number): AirflowHealthIndicator {
    const airflow = {
      getDag,
      connectionInfo: () => ({ baseUrl: 'http://airflow:8080', apiVersion: 'v2', authScheme: 'jwt' }),
    } as unknown as AirflowRepository;
    const config = configOf({ dagStatus: { cacheTtlMs } });
    return new AirflowHealthIndicator(airflow, new HealthIndicatorService(), config);
  }

  beforeEach(() => {
    getDag = jest.fn(async (dagId: string) => attributesOf(dagId));
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });

  it('is up with what is known of the server when Airflow knows the DAG', async () => {
    await expect(indicator(2000).isHealthy('airflow', 'd')).resolves.toEqual({
      airflow: { status: 'up', dag_id: 'd', api_version: 'v2', auth: 'jwt', is_paused: false },
    });
  });

  it('is down with the reason and message of the failure', async () => {
    getDag.mockRejectedValue(new AirflowUnreachableError('Airflow at http://airflow:8080 cannot be reached (ECONNREFUSED)'));
    await expect(indicator(2000).isHealthy('airflow', 'd')).resolves.toEqual({
      airflow: {
        status: 'down',
        dag_id: 'd',
        reason: 'airflow_unreachable',
        message: 'Airflow at http://airflow:8080 cannot be reached (ECONNREFUSED)',
      },
    });
  });

  it('lets a failure that is not about Airflow through', async () => {
    getDag.mockRejectedValue(new TypeError('bug'));
    await expect(indicator(2000).isHealthy('airflow', 'd')).rejects.toThrow('bug');
  });

  it('costs Airflow one call per DAG for concurrent and repeated probes within the TTL', async () => {
    const health = indicator(2000);
    await Promise.all([health.isHealthy('airflow', 'd'), health.isHealthy('airflow', 'd'), health.isHealthy('airflow', 'd')]);
    now += 1999;
    await health.isHealthy('airflow', 'd');
    expect(getDag).toHaveBeenCalledTimes(1);
    await health.isHealthy('airflow', 'other');
    expect(getDag).toHaveBeenCalledTimes(2);
    now += 1;
    await health.isHealthy('airflow', 'd');
    expect(getDag).toHaveBeenCalledTimes(3);
  });

  it('asks every time with a TTL of 0', async () => {
    const health = indicator(0);
    await health.isHealthy('airflow', 'd');
    await health.isHealthy('airflow', 'd');
    expect(getDag).toHaveBeenCalledTimes(2);
  });
});
