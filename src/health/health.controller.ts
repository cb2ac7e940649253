import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../access/access.decorator.js';
import { AirflowHealthIndicator } from '../airflow/airflow.health.js';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import { InstanceIdentity } from '../lifecycle/instance.identity.js';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { LivenessResponses, ReadinessResponses } from './health.schema.js';

/** Terminus's no-cache header, without its Swagger documentation (ours is in health.schema.ts). */
const Probe = () => HealthCheck({ noCache: true, swaggerDocumentation: false });

/**
 * Probes. Liveness answers from the process alone, so an Airflow outage never
 * gets this service restarted; readiness asks Airflow, so traffic is only sent
 * here while the status can actually be read. Open whatever the access settings:
 * kubelets and the port guard call them without credentials.
 */
@Public()
@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly airflow: AirflowHealthIndicator,
    private readonly status: DagStatusService,
    private readonly identity: InstanceIdentity,
    private readonly lifecycle: LifecycleService,
  ) {}

  @Get()
  @Probe()
  @LivenessResponses()
  @ApiOperation({ summary: 'Liveness, the same as /health/live: 200 while the process serves' })
  check() {
    return this.live();
  }

  @Get('live')
  @Probe()
  @LivenessResponses()
  @ApiOperation({
    summary: 'Liveness: the process serves; never touches Airflow',
    description: 'Publishes the identity (service name, instance id, pid) that the port guard, the watchdog and the stop command rely on.',
  })
  live() {
    const { service, instanceId, pid } = this.identity;
    return this.health.check([
      () => this.indicators.check('process').up({ service, instance_id: instanceId, pid, uptime_s: Math.round(process.uptime()) }),
    ]);
  }

  @Get('ready')
  @Probe()
  @ApiOperation({ summary: 'Readiness: not stopping, and Airflow is reachable, accepts our credentials and knows TARGET_DAG_ID' })
  @ReadinessResponses()
  ready() {
    return this.health.check([
      // First, so that a stopping instance turns unready at once, whatever Airflow says.
      () => {
        const session = this.indicators.check('lifecycle');
        return this.lifecycle.isDraining ? session.down({ reason: 'shutting_down', message: 'This instance is stopping' }) : session.up();
      },
      () => this.airflow.isHealthy('airflow', this.status.targetDagId),
    ]);
  }
}
