import { Module } from '@nestjs/common';
import { DagStatusModule } from '../dag-status/dag-status.module.js';
import { NotificationsDelivery } from './notifications.delivery.js';
import { NotificationsService } from './notifications.service.js';

/** Webhook notifications of verdict changes (NOTIFY_WEBHOOKS): the README's "Alerts". */
@Module({
  imports: [DagStatusModule],
  providers: [NotificationsService, NotificationsDelivery],
})
export class NotificationsModule {}
