import { jest } from '@jest/globals';

// A real Airflow answers in seconds, not milliseconds: its tests' hooks (starting and closing the
// service, opening a browser) get minutes too. A project's `testTimeout` in jest.config.js is not
// read (Jest takes it from the global config only), hence this file.
jest.setTimeout(180_000);
