import { afterAll, afterEach, beforeAll } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { setupApp } from '../../src/app.setup.js';
import { FakeAirflow, type FakeAirflowOptions } from '../fake-airflow/fake-airflow.js';

/** What supertest's request() gives for an app: one agent for any number of requests. */
type TestAgent = ReturnType<typeof request>;

/** Settings a test may give the service; anything not given keeps its default. */
export type ServiceEnv = Record<string, string>;

const TOUCHED = new Set<string>();

/**
 * The whole app, in process, configured through the same environment variables
 * an operator uses (the config factories read them when the app is created).
 */
export async function startServiceApp(env: ServiceEnv): Promise<INestApplication> {
  for (const key of TOUCHED) delete process.env[key];
  TOUCHED.clear();
  for (const [key, value] of Object.entries(env)) {
    process.env[key] = value;
    TOUCHED.add(key);
  }
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
  setupApp(app);
  await app.init();
  return app;
}

/** What a test file gets from `againstFakeAirflow`. */
export interface FakeAirflowHarness {
  /** The file's fake Airflow (started before the first test). */
  readonly fake: FakeAirflow;
  /** The app of the current test, if it started one. */
  readonly app: INestApplication | undefined;
  /** Resets the fake to `scenario`, and starts a fresh app (fresh cache and client) against it. */
  start(scenario: Partial<FakeAirflowOptions>, env?: ServiceEnv): Promise<INestApplication>;
  /** {@link start}, and a supertest agent on the app. */
  serve(scenario: Partial<FakeAirflowOptions>, env?: ServiceEnv): Promise<TestAgent>;
}

/**
 * One fake Airflow for the whole test file and one app at a time against it,
 * closed after each test. Call it at the top of the file: it registers the hooks.
 * `defaults` come on top of the fake's URL and under each start's own `env`.
 */
export function againstFakeAirflow(defaults: ServiceEnv): FakeAirflowHarness {
  let fake: FakeAirflow | undefined;
  let app: INestApplication | undefined;
  beforeAll(async () => {
    fake = await FakeAirflow.start();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(async () => {
    await fake?.stop();
  });
  return {
    get fake(): FakeAirflow {
      if (fake === undefined) throw new Error('The fake Airflow starts in beforeAll: use it inside a test');
      return fake;
    },
    get app() {
      return app;
    },
    async start(scenario, env = {}) {
      this.fake.reset();
      this.fake.setScenario(scenario);
      await app?.close();
      app = await startServiceApp({ AIRFLOW_WEBSERVER: this.fake.url, ...defaults, ...env });
      return app;
    },
    async serve(scenario, env = {}) {
      return request((await this.start(scenario, env)).getHttpServer());
    },
  };
}
