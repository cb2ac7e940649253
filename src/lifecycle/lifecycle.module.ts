import { Global, Module } from '@nestjs/common';
import { InstanceIdentity } from './instance.identity.js';
import { LifecycleService } from './lifecycle.service.js';

/** Global: identity and drain state are read by health, the port guard and the HTTP layer. */
@Global()
@Module({
  providers: [InstanceIdentity, LifecycleService],
  exports: [InstanceIdentity, LifecycleService],
})
export class LifecycleModule {}
