import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { DAG_ID_RULE, DAG_ID_SCHEMA, isDagId } from '../config/dag-id.rule.js';

/** Every route's `dagId` path parameter in the OpenAPI document: the rule DagIdPipe checks. */
export const DAG_ID_PARAM = {
  name: 'dagId',
  description: `An allowed DAG id (ALLOWED_DAG_IDS): ${DAG_ID_RULE}`,
  example: 'Airflow_Lab2',
  schema: DAG_ID_SCHEMA,
} as const;

/** Validates a DAG id the way Airflow does, so a malformed id never reaches Airflow. */
@Injectable()
export class DagIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    // Not a string: a query parameter given as an object (`?dag_id[a]=b`).
    if (typeof value !== 'string' || !isDagId(value)) throw new BadRequestException(`Invalid DAG id: expected ${DAG_ID_RULE}`);
    return value;
  }
}
