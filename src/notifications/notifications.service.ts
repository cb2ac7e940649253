import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Subscription } from 'rxjs';
import { DagNotFoundError } from '../airflow/airflow.errors.js';
import type { AllConfig } from '../config/config.type.js';
import type { NotificationsConfig } from '../config/notifications.config.js';
import { DagOverviewDto } from '../overview/overview.dto.js';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import { NotificationsDelivery } from './notifications.delivery.js';
import { follow, notificationId, UNKNOWN, type Conditions } from './notifications.rules.js';

/**
 * Watches every watched DAG's verdict through the mirror's changes (judged by DagStatusService,
 * as /api/dags shows it), keeps each DAG's conditions, and hands a notification to the delivery
 * for each change worth telling (notifications.rules.ts). A DAG's first verdict is where it
 * stands, not a change: nothing is sent at start, so a restart does not send again.
 */
@Injectable()
export class NotificationsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Notifications');
  private readonly config: NotificationsConfig;
  private readonly conditions = new Map<string, Conditions>();
  private subscription: Subscription | null = null;

  constructor(
    private readonly store: MirrorStore,
    private readonly status: DagStatusService,
    private readonly delivery: NotificationsDelivery,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('notifications', { infer: true });
  }

  onModuleInit(): void {
    const { webhooks, secrets, types } = this.config;
    if (webhooks.length === 0) return;
    const targets = webhooks.map((w) => `webhook ${w.position} (${w.format}, ${w.shown})`).join(', ');
    const signed = secrets.length === 0 ? 'unsigned (NOTIFY_SECRETS is not set)' : `signed with ${secrets.length} secret(s)`;
    this.logger.log(`Notifying ${[...types].join(', ')} to ${targets}, ${signed}`);
    // Before the mirror's first load (its sync starts at bootstrap), so that every DAG's first verdict is seen.
    this.subscription = this.store.changes.subscribe((snapshot) => {
      try {
        this.seen(snapshot);
      } catch (caught) {
        // A fault here must not end the subscription, nor reach the mirror that announced the change.
        this.logger.error(`Could not follow the change of ${snapshot.dagId}: ${caught instanceof Error ? caught.message : String(caught)}`);
      }
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  private seen(snapshot: DagSnapshot): void {
    const { dagId } = snapshot;
    // A DAG that left the watched set is forgotten; should it come back, it starts afresh.
    if (snapshot.error instanceof DagNotFoundError && !this.store.isAllowed(dagId)) {
      this.conditions.delete(dagId);
      return;
    }
    // The body's `data` is the overview as /api/dags gives it.
    const overview = DagOverviewDto.fromOverview(this.status.describe(snapshot));
    const previous = this.conditions.get(dagId);
    const { conditions, types } = follow(previous ?? UNKNOWN, overview.reason, overview.last_finished?.state ?? null);
    this.conditions.set(dagId, conditions);
    const seenAt = performance.now();
    const time = new Date().toISOString();
    for (const type of types) {
      if (!this.config.types.has(type)) continue;
      this.delivery.enqueue({ id: notificationId(type, overview), type, dagId, overview, time, seenAt });
    }
  }
}
