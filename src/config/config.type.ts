import type { AccessConfig } from './access.config.js';
import type { AirflowConfig } from './airflow.config.js';
import type { AppConfig } from './app.config.js';
import type { DagStatusConfig } from './dag-status.config.js';
import type { EventsConfig } from './events.config.js';
import type { HttpConfig } from './http.config.js';
import type { MirrorConfig } from './mirror.config.js';
import type { NotificationsConfig } from './notifications.config.js';
import type { PortGuardConfig } from './port-guard.config.js';
import type { ReliabilityConfig } from './reliability.config.js';

/** The whole typed configuration, for ConfigService<AllConfig, true>. */
export interface AllConfig {
  access: AccessConfig;
  app: AppConfig;
  airflow: AirflowConfig;
  dagStatus: DagStatusConfig;
  events: EventsConfig;
  http: HttpConfig;
  mirror: MirrorConfig;
  notifications: NotificationsConfig;
  portGuard: PortGuardConfig;
  reliability: ReliabilityConfig;
}
