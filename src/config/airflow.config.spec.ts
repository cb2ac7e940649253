import { describe, expect, it } from '@jest/globals';
import { parseAirflowConfig } from './airflow.config.js';
import { ConfigValidationError } from './config.parsers.js';

describe('airflow configuration', () => {
  it('works the API version and auth out by itself by default', () => {
    expect(parseAirflowConfig({})).toMatchObject({ auth: 'auto', apiVersion: 'auto' });
  });

  it.each([
    ['jwt', 'v2'],
    ['basic', 'v1'],
    ['auto', 'v1'],
    ['jwt', 'auto'],
  ])('accepts AIRFLOW_AUTH=%s with AIRFLOW_API_VERSION=%s', (auth, apiVersion) => {
    expect(parseAirflowConfig({ AIRFLOW_AUTH: auth, AIRFLOW_API_VERSION: apiVersion })).toMatchObject({ auth, apiVersion });
  });

  it('rejects AIRFLOW_AUTH=jwt with AIRFLOW_API_VERSION=v1 at start, naming the variable and the way out', () => {
    const parse = () => parseAirflowConfig({ AIRFLOW_AUTH: 'jwt', AIRFLOW_API_VERSION: 'v1' });
    expect(parse).toThrow(ConfigValidationError);
    expect(parse).toThrow(
      'Invalid configuration: AIRFLOW_AUTH cannot be jwt with AIRFLOW_API_VERSION=v1: Airflow 2 has no /auth/token; use auto or basic',
    );
  });
});
