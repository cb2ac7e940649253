import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { AirflowModule } from './airflow/airflow.module.js';
import airflowConfig from './config/airflow.config.js';
import appConfig from './config/app.config.js';
import dagStatusConfig from './config/dag-status.config.js';
import httpConfig from './config/http.config.js';
import watchdogConfig from './config/watchdog.config.js';
import { DagStatusFastPath } from './dag-status/dag-status.fast-path.js';
import { DagStatusModule } from './dag-status/dag-status.module.js';
import { HealthModule } from './health/health.module.js';
import { HttpExceptionFilter } from './http/http-exception.filter.js';
import { RequestObserverMiddleware } from './http/request-observer.middleware.js';
import { LifecycleModule } from './lifecycle/lifecycle.module.js';
import { AccessLog } from './logging/access-log.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { PortGuardModule } from './port-guard/port-guard.module.js';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      // Values already in the environment win over the file, as operators expect.
      envFilePath: ['.env'],
      load: [appConfig, airflowConfig, dagStatusConfig, httpConfig, watchdogConfig],
    }),
    LifecycleModule,
    MetricsModule,
    AirflowModule,
    DagStatusModule,
    HealthModule,
    PortGuardModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }, AccessLog, RequestObserverMiddleware, DagStatusFastPath],
})
export class AppModule {}
