import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** The name every instance publishes; the port guard and the stop command look for it. */
export const SERVICE_NAME = 'airflow-status-api';
/** Response header carrying `<service>/<instance id>` on every answer. */
export const INSTANCE_HEADER = 'X-Service-Instance';

/**
 * Who this process is. Published on /health/live and in a header, so that
 * another process can tell "an instance of this service" from "something that
 * says ok".
 */
@Injectable()
export class InstanceIdentity {
  readonly service = SERVICE_NAME;
  readonly instanceId = randomUUID();
  readonly pid = process.pid;

  get header(): string {
    return `${this.service}/${this.instanceId}`;
  }
}
