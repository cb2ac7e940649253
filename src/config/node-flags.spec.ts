import { describe, expect, it } from '@jest/globals';
import { missingNodeFlags, NODE_FLAGS } from './node-flags.js';

describe('missingNodeFlags', () => {
  it('asks for every flag of a plain `node dist/main.js`', () => {
    expect(missingNodeFlags([])).toEqual([...NODE_FLAGS]);
  });

  it('asks for none once they are on the command line, so that the relaunched process goes on', () => {
    expect(missingNodeFlags([...NODE_FLAGS, '--enable-source-maps'])).toEqual([]);
  });

  it('leaves a value given on the command line or in NODE_OPTIONS, in either spelling', () => {
    expect(missingNodeFlags(['--max_semi_space_size=16'])).toEqual(['--heap-growing-percent=50']);
    expect(missingNodeFlags(['--heap-growing-percent=0'], '--max-semi-space-size=4 --enable-source-maps')).toEqual([]);
  });
});
