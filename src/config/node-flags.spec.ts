import { describe, expect, it } from '@jest/globals';
import { MALLOC_ENV, missingMallocEnv, missingNodeFlags, NODE_FLAGS } from './node-flags.js';

describe('missingNodeFlags', () => {
  it('asks for every flag of a plain `node dist/main.js`', () => {
    expect(missingNodeFlags([])).toEqual([...NODE_FLAGS]);
  });

  it('asks for none once they are on the command line, so that the relaunched process goes on', () => {
    expect(missingNodeFlags([...NODE_FLAGS, '--enable-source-maps'])).toEqual([]);
  });

  it('leaves a value given on the command line or in NODE_OPTIONS, in either spelling', () => {
    expect(missingNodeFlags(['--max_semi_space_size=16', '--maglev'])).toEqual(['--heap-growing-percent=50']);
    expect(missingNodeFlags(['--heap-growing-percent=0', '--no-maglev'], '--max-semi-space-size=4 --enable-source-maps')).toEqual([]);
    expect(missingNodeFlags(['--maglev'])).not.toContain('--no-maglev');
  });
});

describe('missingMallocEnv', () => {
  it("asks for glibc's mmap threshold when the environment does not set it", () => {
    expect(missingMallocEnv({})).toEqual({ ...MALLOC_ENV });
    expect(MALLOC_ENV).toEqual({ MALLOC_MMAP_THRESHOLD_: '32768' });
  });

  it('leaves a value given in the environment as it is', () => {
    expect(missingMallocEnv({ MALLOC_MMAP_THRESHOLD_: '131072' })).toEqual({});
  });
});
