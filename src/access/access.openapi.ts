import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import { ACCESS_SCOPE, type AccessScope } from './access.decorator.js';
import { ACCESS_CHALLENGE, type AccessPolicy } from './access.policy.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The bearer scheme's name in the document, for DocumentBuilder.addBearerAuth and the operations' security. */
export const BEARER_SCHEME = 'bearer';

/**
 * The document as the policy answers: each operation's scope (the x-access extension of @Public
 * and @PublicBadge) turned into what a client needs, i.e. no security for an open route and a 401
 * for the others while access control is on. The extension itself is removed.
 */
export function documentAccess(document: OpenAPIObject, policy: AccessPolicy): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as (OperationObject & Record<string, unknown>) | undefined;
      if (operation === undefined) continue;
      const scope = operation[ACCESS_SCOPE] as AccessScope | undefined;
      delete operation[ACCESS_SCOPE];
      if (!policy.enabled) continue;
      if (policy.isOpen(scope)) {
        // Overrides the document-wide bearer requirement.
        if (policy.acceptsTokens) operation.security = [];
        continue;
      }
      operation.responses['401'] = {
        description: 'No valid credentials: a bearer token of ACCESS_TOKENS, or the request did not come through the authenticating proxy',
        headers: {
          'WWW-Authenticate': { description: 'The scheme to authenticate with', schema: { type: 'string', example: ACCESS_CHALLENGE } },
        },
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorDto' } } },
      };
    }
  }
  return document;
}
