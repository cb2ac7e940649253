/** What is left where a credential was. */
const REDACTED = '[REDACTED]';

/** An Authorization header's value: the scheme stays, to tell which kind of credential was there. */
const AUTH_HEADER_VALUE = /\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
/**
 * A credential-like field (`password=…`, `"token": "…"`, `api_key: …`), as query strings, JSON,
 * YAML or Python reprs write them; the value runs to a quote's end or to a separator. An auth
 * header's scheme, whose credential is gone already, stays.
 */
const CREDENTIAL_FIELD =
  /((?:password|passwd|secret|token|access_token|api_key|apikey|authorization|credentials?)["']?\s*[:=]\s*)(?!(?:basic|bearer)\s)("[^"]*"|'[^']*'|[^\s,}&]+)/gi;

/**
 * `text` without `secrets` (each wherever it occurs) and without anything credential-like: for text
 * from outside (Airflow's answers, exceptions) before it reaches a log line. The caller chooses the
 * secrets: a short one may be an ordinary word.
 */
export function scrubCredentials(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join(REDACTED);
  return out
    .replace(AUTH_HEADER_VALUE, (_match, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(CREDENTIAL_FIELD, (_match, head: string) => `${head}${REDACTED}`);
}
