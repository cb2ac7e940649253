import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { AccessModule } from './access/access.module.js';
import { AirflowModule } from './airflow/airflow.module.js';
import { BadgesModule } from './badges/badges.module.js';
import accessConfig from './config/access.config.js';
import airflowConfig from './config/airflow.config.js';
import appConfig from './config/app.config.js';
import dagStatusConfig from './config/dag-status.config.js';
import mirrorConfig from './config/mirror.config.js';
import notificationsConfig from './config/notifications.config.js';
import eventsConfig from './config/events.config.js';
import httpConfig from './config/http.config.js';
import portGuardConfig from './config/port-guard.config.js';
import reliabilityConfig from './config/reliability.config.js';
import { DagStatusModule } from './dag-status/dag-status.module.js';
import { EventsModule } from './events/events.module.js';
import { FeedsModule } from './feeds/feeds.module.js';
import { HealthModule } from './health/health.module.js';
import { HttpEdgeModule } from './http/http-edge.module.js';
import { LifecycleModule } from './lifecycle/lifecycle.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { OverviewModule } from './overview/overview.module.js';
import { PagesModule } from './pages/pages.module.js';
import { PortGuardModule } from './port-guard/port-guard.module.js';
import { ReliabilityModule } from './reliability/reliability.module.js';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      // Values already in the environment win over the file, as operators expect.
      envFilePath: ['.env'],
      load: [
        httpConfig,
        portGuardConfig,
        appConfig,
        accessConfig,
        airflowConfig,
        dagStatusConfig,
        mirrorConfig,
        eventsConfig,
        notificationsConfig,
        reliabilityConfig,
      ],
    }),
    // Global: the store's refreshes and the port guard's watchdog are registered in its SchedulerRegistry.
    ScheduleModule.forRoot(),
    LifecycleModule,
    LoggingModule,
    MetricsModule,
    AccessModule,
    HttpEdgeModule,
    AirflowModule,
    DagStatusModule,
    OverviewModule,
    BadgesModule,
    EventsModule,
    NotificationsModule,
    FeedsModule,
    ReliabilityModule,
    PagesModule,
    HealthModule,
    PortGuardModule,
  ],
})
export class AppModule {}
