import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { DagIdPipe } from './dag-id.pipe.js';
import { RunsLimitPipe } from './runs-limit.pipe.js';

describe('DagIdPipe', () => {
  const pipe = new DagIdPipe();
  it.each(['Airflow_Lab2', 'a.b-c_d', 'x'.repeat(250), 'entraînement_modèle', 'データ_パイプライン', 'é'.repeat(250)])('accepts %s', (id) =>
    expect(pipe.transform(id)).toBe(id),
  );
  it.each(['', 'a b', 'a/b', '../etc', 'mode\u0300le', 'x'.repeat(251), 'é'.repeat(251), 'a%2Fb', '<script>', '🙂', ['a'], undefined])(
    'rejects %j',
    (id) => {
      expect(() => pipe.transform(id)).toThrow(BadRequestException);
    },
  );
});

describe('RunsLimitPipe', () => {
  const pipe = new RunsLimitPipe();
  it('defaults to 10 and accepts 1..100', () => {
    expect(pipe.transform(undefined)).toBe(10);
    expect(pipe.transform('1')).toBe(1);
    expect(pipe.transform('100')).toBe(100);
  });
  it.each(['0', '101', '-1', '1.5', 'abc', '1e2', ' 5'])('rejects %j', (limit) => {
    expect(() => pipe.transform(limit)).toThrow(BadRequestException);
  });
});
