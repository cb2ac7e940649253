const REDACTED = '[REDACTED]';
/** Shorter secrets are too likely to be ordinary words (the seed's default password is "airflow"). */
const MIN_REDACTED_SECRET_LENGTH = 8;

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

/** The secrets worth looking for in text: those long enough not to be ordinary words. */
export function redactable(secrets: readonly string[]): string[] {
  return secrets.filter((secret) => secret.length >= MIN_REDACTED_SECRET_LENGTH);
}

/** Control characters (C0, C1) and invisible format characters (bidi overrides among them) that could disguise text. */
const CONTROL = /[\p{Cc}\p{Cf}]/gu;

/**
 * One line of text from outside (an Airflow import error) fit for an answer: credentials scrubbed as
 * for the log, control and format characters removed (line breaks become spaces), at most `max`
 * characters (code points), cut with "…". Scrubbed whole, then cut: a cut first could leave the
 * start of a secret behind.
 */
export function upstreamLine(text: string, secrets: readonly string[], max: number): string {
  const clean = scrubCredentials(text.replace(/[\r\n]+/g, ' '), secrets)
    .replace(CONTROL, '')
    .trim();
  const chars = [...clean];
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('')}…`;
}
