import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.type.js';
import type { AccessScope } from './access.decorator.js';

/** The challenge of every refusal (RFC 6750), so that a client knows which credential to send. */
export const ACCESS_CHALLENGE = 'Bearer realm="airflow-status-api"';
/** `Bearer <token>`; anything else (Basic, an empty token, two tokens) carries no token of ours. */
const BEARER = /^Bearer +(\S+) *$/i;

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * The one decision on who may read the service, for every path a request can take: AccessGuard
 * (Nest's routes), the HTTP replay (answers ahead of Nest) and the gate of Swagger's pages.
 * Off (everything open) unless ACCESS_TOKENS or ACCESS_TRUSTED_HEADER is set.
 */
@Injectable()
export class AccessPolicy {
  readonly enabled: boolean;
  /** Whether a client can present a bearer token (the OpenAPI document then declares it). */
  readonly acceptsTokens: boolean;
  /** SHA-256 of each token: compared in constant time whatever the length of what a client sends. */
  private readonly digests: readonly Buffer[];
  private readonly trustedHeader: string | null;
  private readonly publicBadges: boolean;

  constructor(config: ConfigService<AllConfig, true>) {
    const { tokens, trustedHeader, publicBadges } = config.getOrThrow('access', { infer: true });
    this.digests = tokens.map(digest);
    this.trustedHeader = trustedHeader;
    this.publicBadges = publicBadges;
    this.acceptsTokens = tokens.length > 0;
    this.enabled = this.acceptsTokens || trustedHeader !== null;
  }

  /** Whether a route of `scope` is open to a request without credentials. */
  isOpen(scope: AccessScope | undefined): boolean {
    return !this.enabled || scope === 'public' || (scope === 'badge' && this.publicBadges);
  }

  /** Whether a request with these headers may read a route of `scope` (none: a route that needs credentials). */
  allows(headers: IncomingHttpHeaders, scope?: AccessScope): boolean {
    return this.isOpen(scope) || this.holdsTrustedHeader(headers) || this.holdsToken(headers.authorization);
  }

  /** Sets the challenge on `res` and gives the error to answer with: the one JSON error shape, 401. */
  refusal(res: ServerResponse): UnauthorizedException {
    res.setHeader('WWW-Authenticate', ACCESS_CHALLENGE);
    return new UnauthorizedException(
      'Credentials are required: send Authorization: Bearer <token>, or come through the authenticating proxy',
    );
  }

  private holdsTrustedHeader(headers: IncomingHttpHeaders): boolean {
    if (this.trustedHeader === null) return false;
    const value = headers[this.trustedHeader];
    return typeof value === 'string' ? value.trim() !== '' : Array.isArray(value) && value.some((v) => v.trim() !== '');
  }

  private holdsToken(authorization: string | undefined): boolean {
    if (this.digests.length === 0 || authorization === undefined) return false;
    const match = BEARER.exec(authorization);
    if (match === null) return false;
    const presented = digest(match[1]);
    // Every token compared, none short-circuited: the time taken says nothing about which one matched.
    let found = false;
    for (const known of this.digests) found = timingSafeEqual(known, presented) || found;
    return found;
  }
}
