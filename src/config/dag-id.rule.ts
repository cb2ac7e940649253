/**
 * Airflow's rule for DAG ids (`^[\w.-]+$` with Python's Unicode `\w`, at most 250 code points), the one
 * definition behind the settings, the routes' checks and the OpenAPI document. Python's `\w` is
 * Unicode's letters and numbers plus '_' (the spec checks every code point against Python);
 * JavaScript's is ASCII, hence the properties. Python's `$` also lets "id\n" pass: left out on purpose.
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
