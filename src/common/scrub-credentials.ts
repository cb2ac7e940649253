const REDACTED = '[REDACTED]';

/** An Authorization header's value: the scheme stays, to tell which kind of credential was there. */
const AUTH_HEADER_VALUE = /\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
/** `password=…`, `"token": "…"`, `api_key: …` (an auth header's scheme, its credential gone already, stays). */
const CREDENTIAL_FIELD =
  /((?:password|passwd|secret|token|access_token|api_key|apikey|authorization|credentials?)["']?\s*[:=]\s*)(?!(?:basic|bearer)\s)("[^"]*"|'[^']*'|[^\s,}&]+)/gi;

/** Text from outside (Airflow's answers, exceptions) fit for a log line: without `secrets` and anything credential-like. */
export function scrubCredentials(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join(REDACTED);
  return out
    .replace(AUTH_HEADER_VALUE, (_match, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(CREDENTIAL_FIELD, (_match, head: string) => `${head}${REDACTED}`);
}
