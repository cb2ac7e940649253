import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

/**
 * What a route is open to while access control is on: `public` always (the probes), `badge` when
 * ACCESS_PUBLIC_BADGES=true. A route without one needs credentials.
 */
export type AccessScope = 'public' | 'badge';

/** The metadata key AccessGuard reads, and the OpenAPI extension the document is finished from (documentAccess). */
export const ACCESS_SCOPE = 'x-access';

const scoped = (scope: AccessScope) => applyDecorators(SetMetadata(ACCESS_SCOPE, scope), ApiExtension(ACCESS_SCOPE, scope));

/** Open to everyone, whatever the access settings: for the probes, which kubelets and the port guard call without credentials. */
export const Public = () => scoped('public');

/** Open to everyone when ACCESS_PUBLIC_BADGES=true, so that a README or wiki can show it; else like any other route. */
export const PublicBadge = () => scoped('badge');
