import type { NotificationType } from '../config/notifications.config.js';
import type { DagOverviewDto } from '../overview/overview.dto.js';

/** One change of a DAG's verdict worth telling, as every webhook gets it (each in its own format). */
export interface Notification {
  /** Derived from what happened (notificationId): the same for the same fact in any process. */
  readonly id: string;
  readonly type: NotificationType;
  readonly dagId: string;
  /** The DAG's overview as /api/dags gives it, at the change. */
  readonly overview: DagOverviewDto;
  /** When the service saw the change (ISO 8601). */
  readonly time: string;
  /** performance.now() when the service saw the change, for the latency metric. */
  readonly seenAt: number;
}
