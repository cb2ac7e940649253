import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './config.parsers.js';
import { parseMirrorConfig, selects } from './mirror.config.js';

const dag = (dagId: string) => ({ dagId, tags: [], owners: [] });

describe('mirror configuration', () => {
  it('takes id globs over the characters of DAG ids, in any script', () => {
    const selector = parseMirrorConfig({ WATCH_DAGS: 'id:etl_*,id:entraîn?ment_*.v-2' }).selector!;
    expect(['etl_sales', 'entraînement_modèle.v-2', 'ml_train'].filter((id) => selects(selector, dag(id)))).toEqual([
      'etl_sales',
      'entraînement_modèle.v-2',
    ]);
  });

  it.each(['id:a/b', 'id:a b', 'id:<x>'])('refuses WATCH_DAGS=%s, a glob no DAG id could match, naming it', (value) => {
    expect(() => parseMirrorConfig({ WATCH_DAGS: value })).toThrow(ConfigValidationError);
    expect(() => parseMirrorConfig({ WATCH_DAGS: value })).toThrow('WATCH_DAGS');
  });
});
