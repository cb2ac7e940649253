import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** What the port guard and the stop command look for. */
export const SERVICE_NAME = 'airflow-status-api';
export const INSTANCE_HEADER = 'X-Service-Instance';

/** On /health/live and in a header, so that another process can tell this service from anything that says ok. */
@Injectable()
export class InstanceIdentity {
  readonly service = SERVICE_NAME;
  readonly instanceId = randomUUID();
  readonly pid = process.pid;

  get header(): string {
    return `${this.service}/${this.instanceId}`;
  }
}
