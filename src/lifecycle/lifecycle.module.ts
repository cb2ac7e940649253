import { Global, Module } from '@nestjs/common';
import { InstanceIdentity } from './instance.identity.js';
import { LifecycleService } from './lifecycle.service.js';

/** Global: identity, drain state and the process's exit are used by health, the port guard and the HTTP layer. */
@Global()
@Module({
  providers: [InstanceIdentity, LifecycleService],
  exports: [InstanceIdentity, LifecycleService],
})
export class LifecycleModule {}
