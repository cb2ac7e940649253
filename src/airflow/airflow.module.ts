import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import type { AllConfig } from '../config/config.type.js';
import { AirflowHealthIndicator } from './airflow.health.js';
import { AirflowRepository } from './airflow.repository.js';
import { AirflowSession } from './airflow.session.js';
import { AirflowTransport } from './airflow.transport.js';

@Module({
  imports: [
    TerminusModule,
    HttpModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => {
        const { timeoutMs, maxConcurrency } = config.getOrThrow('airflow', { infer: true });
        // The bound on calls in flight to Airflow in total (the priority lane has a few sockets of its own).
        const agentOptions = { keepAlive: true, maxSockets: maxConcurrency };
        return {
          timeout: timeoutMs,
          maxRedirects: 0,
          // Every status is judged by AirflowTransport, in one place.
          validateStatus: () => true,
          httpAgent: new HttpAgent(agentOptions),
          httpsAgent: new HttpsAgent(agentOptions),
        };
      },
    }),
  ],
  providers: [AirflowTransport, AirflowSession, AirflowRepository, AirflowHealthIndicator],
  exports: [AirflowRepository, AirflowHealthIndicator],
})
export class AirflowModule {}
