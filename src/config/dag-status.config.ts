import { registerAs } from '@nestjs/config';
import { readDagId, readDagIdList, readStatusCacheTtlMs, type Env } from './config.parsers.js';

export interface DagStatusConfig {
  targetDagId: string;
  allowedDagIds: string[];
  cacheTtlMs: number;
}

export function parseDagStatusConfig(env: Env): DagStatusConfig {
  const targetDagId = readDagId(env, 'TARGET_DAG_ID', 'Airflow_Lab2');
  const allowed = readDagIdList(env, 'ALLOWED_DAG_IDS', [targetDagId]);
  return {
    targetDagId,
    // The target is always readable, whatever the list says: the pages depend on it.
    allowedDagIds: allowed.includes(targetDagId) ? allowed : [targetDagId, ...allowed],
    // 2 s keeps pages fresh for people while capping Airflow at one call per DAG per 2 s under any load.
    cacheTtlMs: readStatusCacheTtlMs(env),
  };
}

export default registerAs('dagStatus', () => parseDagStatusConfig(process.env));
