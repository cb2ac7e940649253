import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { DAG_ID_SCHEMA, isDagId } from './dag-id.rule.js';

/**
 * Python is the oracle: what Airflow's check (`KEY_REGEX = ^[\w.-]+$` and `len(k) <= 250`) says
 * of each code point on its own, as ranges, of the samples below, and which code points its
 * Unicode version leaves unassigned. Airflow's check is restated here rather than imported, so
 * that this test needs Python but not Airflow.
 */
const ORACLE = String.raw`
import json, re, sys, unicodedata
KEY_REGEX = re.compile(r"^[\w.-]+$")
def ranges(flags):
    out, start = [], None
    for cp, on in enumerate(list(flags) + [False]):
        if on and start is None: start = cp
        if not on and start is not None: out.append([start, cp - 1]); start = None
    return out
everything = "".join(map(chr, range(0x110000)))
word = [False] * 0x110000
for m in re.finditer(r"[\w.-]+", everything):
    word[m.start():m.end()] = [True] * (m.end() - m.start())
samples = json.loads(sys.stdin.buffer.read().decode("utf-8"))
print(json.dumps({
    "unicode": unicodedata.unidata_version,
    "word": ranges(word),
    "unassigned": ranges(unicodedata.category(c) == "Cn" for c in everything),
    "samples": [len(s) <= 250 and KEY_REGEX.match(s) is not None for s in samples],
}))
`;

interface Oracle {
  unicode: string;
  word: [number, number][];
  unassigned: [number, number][];
  samples: boolean[];
}

const SAMPLES = [
  'Airflow_Lab2',
  'entraînement_modèle',
  'データ_パイプライン',
  'Ünïcödé.ETL-v2',
  '٣_أرقام',
  'Ⅻ½',
  'x'.repeat(250),
  'x'.repeat(251),
  // Astral letters: two UTF-16 units each, one character for Python and for the u flag.
  '𝒜'.repeat(250),
  '𝒜'.repeat(251),
  '..',
  '',
  'a b',
  'a/b',
  'a%2Fb',
  '<script>',
  // A combining accent (NFD) is a mark, not a letter: Airflow refuses it.
  'mode\u0301le',
  'a\u200db',
  '🙂',
];
/** Python's "$" also matches before a final newline, so Airflow's check lets this through; the rule does not. */
const FINAL_NEWLINE = 'Airflow_Lab2\n';
const MAX_CODE_POINT = 0x10ffff;

function flags(ranges: [number, number][]): Uint8Array {
  const set = new Uint8Array(MAX_CODE_POINT + 1);
  for (const [from, to] of ranges) set.fill(1, from, to + 1);
  return set;
}

describe('the DAG-id rule', () => {
  let oracle: Oracle;
  beforeAll(() => {
    const out = execFileSync('python3', ['-c', ORACLE], {
      input: JSON.stringify([...SAMPLES, FINAL_NEWLINE]),
      maxBuffer: 16 * 1024 * 1024,
    });
    oracle = JSON.parse(out.toString('utf8')) as Oracle;
  }, 60_000);

  it("accepts a character exactly when Python's [\\w.-] does, over every code point both Unicode versions assign", () => {
    const python = flags(oracle.word);
    const pythonUnassigned = flags(oracle.unassigned);
    const nodeUnassigned = /^\p{Cn}$/u;
    const disagreements: string[] = [];
    let compared = 0;
    for (let cp = 0; cp <= MAX_CODE_POINT; cp++) {
      const character = String.fromCodePoint(cp);
      // Node's Unicode (process.versions.unicode) and Python's (oracle.unicode) may differ: a code point only
      // one of them assigns says nothing about the rule. Node's newer letters are accepted; an Airflow on
      // an older Python refuses them, so no DAG it runs has one.
      if (pythonUnassigned[cp] === 1 || nodeUnassigned.test(character)) continue;
      compared += 1;
      if (isDagId(character) !== (python[cp] === 1)) disagreements.push(`U+${cp.toString(16).toUpperCase()}`);
    }
    expect(disagreements).toEqual([]);
    // Python's assigned code points (over 280,000 since Unicode 14) were compared, not a handful.
    expect(compared).toBeGreaterThan(280_000);
  }, 60_000);

  it("agrees with Airflow's check on whole ids, length counted in code points", () => {
    const ours = SAMPLES.map((id) => isDagId(id));
    expect(ours).toEqual(oracle.samples.slice(0, SAMPLES.length));
    expect(isDagId('entraînement_modèle')).toBe(true);
    expect(isDagId('𝒜'.repeat(250))).toBe(true);
  });

  it('refuses an id with a final newline, which only Python\'s "$" lets through', () => {
    expect(oracle.samples.at(-1)).toBe(true);
    expect(isDagId(FINAL_NEWLINE)).toBe(false);
  });

  it('gives OpenAPI the same pattern, as a Unicode-aware JavaScript engine reads it', () => {
    const pattern = new RegExp(DAG_ID_SCHEMA.pattern, 'u');
    for (const id of SAMPLES) expect(pattern.test(id)).toBe(isDagId(id));
  });
});
