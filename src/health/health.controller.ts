import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { AirflowHealthIndicator } from '../airflow/airflow.health.js';
import { DagStatusService } from '../dag-status/dag-status.service.js';

/**
 * Probes. Liveness answers from the process alone, so an Airflow outage never
 * gets this service restarted; readiness asks Airflow, so traffic is only sent
 * here while the status can actually be read.
 */
@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly airflow: AirflowHealthIndicator,
    private readonly status: DagStatusService,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'The seed\'s /health: 200 while the process serves (same as /health/live)' })
  check() {
    return this.live();
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process serves; never touches Airflow' })
  live() {
    return this.health.check([() => this.indicators.check('process').up({ pid: process.pid, uptime_s: Math.round(process.uptime()) })]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: Airflow is reachable, accepts our credentials and knows TARGET_DAG_ID' })
  @ApiServiceUnavailableResponse({ description: 'Not ready; `error` says why (reason and message). Retry-After set.' })
  ready() {
    return this.health.check([() => this.airflow.isHealthy('airflow', this.status.targetDagId)]);
  }
}
