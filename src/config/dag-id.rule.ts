/**
 * Airflow's rule for DAG ids, the one definition behind the settings, the routes' checks and the
 * OpenAPI document. Airflow (the task SDK's `validate_key`) requires `^[\w.-]+$` with Python's
 * Unicode `\w` and at most 250 characters, counted by Python's len(), in code points.
 * Python's `\w` is the characters for which str.isalnum() holds, plus '_': exactly Unicode's letters
 * (L) and numbers (N), which dag-id.rule.spec.ts checks against Python itself over every code point.
 * JavaScript's `\w` is ASCII even with the u flag, hence the properties; the u flag also makes
 * `{1,250}` count code points, as Python does.
 * Left out on purpose: Python's `$` also matches before a final "\n", so Airflow lets "id\n" pass.
 */
const MAX_LENGTH = 250;
/** The characters of a DAG id, for a character class with the u flag ('-' last, so that it is no range). */
export const DAG_ID_CHARACTERS = '\\p{L}\\p{N}_.-';
const PATTERN = new RegExp(`^[${DAG_ID_CHARACTERS}]{1,${MAX_LENGTH}}$`, 'u');

/** The rule in words, for error messages and the API's documentation. */
export const DAG_ID_RULE = `1 to ${MAX_LENGTH} letters or digits of any script, '_', '.' or '-'`;

/** The rule as an OpenAPI schema: the same pattern (ECMA-262, Unicode property escapes) and length. */
export const DAG_ID_SCHEMA = { type: 'string', pattern: PATTERN.source, minLength: 1, maxLength: MAX_LENGTH } as const;

export function isDagId(value: string): boolean {
  return PATTERN.test(value);
}
