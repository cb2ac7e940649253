import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { AccessPolicy } from './access.policy.js';

/**
 * Optional access control (ACCESS_TOKENS, ACCESS_TRUSTED_HEADER): a global guard on Nest's routes,
 * and the policy it asks, exported for the answers made outside Nest (the HTTP replay, Swagger's pages).
 */
@Module({
  providers: [AccessPolicy, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [AccessPolicy],
})
export class AccessModule {}
