import { describe, expect, it } from '@jest/globals';
import { ServiceProcess } from '../support/service-process.js';

describe('the dagStatus settings of issue #9, validated at start', () => {
  it.each([
    ['MAX_SUCCESS_AGE', '2 weeks'],
    ['MAX_SUCCESS_AGE', '26h,bad!id=1h'],
    ['VERDICT_BASIS', 'newest'],
  ])(
    'a bad %s (%s) stops the service with exit 78 and one line naming it',
    async (name, value) => {
      const service = ServiceProcess.start({ [name]: value, FLASK_PORT: '1' });
      await expect(service.exited()).resolves.toBe(78);
      expect(service.output).toContain(`Invalid configuration: ${name} `);
    },
    30_000,
  );
});
