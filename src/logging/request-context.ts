import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestScope {
  requestId: string;
}

/** Carries the request id through everything a request causes, so each log line can name it. */
export const requestContext = new AsyncLocalStorage<RequestScope>();
