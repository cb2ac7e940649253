import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ACCESS_SCOPE, type AccessScope } from './access.decorator.js';
import { AccessPolicy } from './access.policy.js';

/** Every Nest route, through the policy: its scope (@Public, @PublicBadge) or credentials; a 401 otherwise. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly policy: AccessPolicy,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.policy.enabled) return true;
    const scope = this.reflector.getAllAndOverride<AccessScope | undefined>(ACCESS_SCOPE, [context.getHandler(), context.getClass()]);
    const http = context.switchToHttp();
    if (this.policy.allows(http.getRequest<IncomingMessage>().headers, scope)) return true;
    throw this.policy.refusal(http.getResponse<ServerResponse>());
  }
}
