import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { setupApp } from '../../src/app.setup.js';

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
