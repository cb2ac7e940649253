import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './config.parsers.js';
import { parseHttpConfig } from './http.config.js';

describe('http configuration', () => {
  it("keeps the seed's host and port", () => {
    expect(parseHttpConfig({})).toEqual({ host: '0.0.0.0', port: 5555 });
  });

  it('reads HOST and FLASK_PORT', () => {
    expect(parseHttpConfig({ HOST: '127.0.0.1', FLASK_PORT: '6000' })).toEqual({ host: '127.0.0.1', port: 6000 });
  });

  it.each([
    [{ FLASK_PORT: 'abc' }, 'FLASK_PORT'],
    [{ FLASK_PORT: '70000' }, 'FLASK_PORT'],
    [{ FLASK_PORT: '-1' }, 'FLASK_PORT'],
    [{ HOST: 'a b' }, 'HOST'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => parseHttpConfig(env)).toThrow(ConfigValidationError);
    expect(() => parseHttpConfig(env)).toThrow(variable);
  });
});
