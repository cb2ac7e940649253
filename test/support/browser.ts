import { existsSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { chromium, type Browser } from 'playwright-core';
import { FakeAirflow, type FakeAirflowOptions } from '../fake-airflow/fake-airflow.js';
import { startServiceApp, type ServiceEnv } from './service-app.js';

/** Debian's Chromium (apt-get install -y chromium): test tools may not download a browser of their own here. */
const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium as the browser tests use it: root in a sandbox-less container, no background traffic to the closed network. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The service on a loopback port against a fake Airflow, and a browser to look at it, for one test file. */
export interface BrowserHarness {
  readonly fake: FakeAirflow;
  /** The service's base URL. */
  readonly base: string;
  readonly browser: Browser;
}

/**
 * Registers the hooks of a browser test file: a fake Airflow (with `scenario`), the service
 * against it (with `env`) listening on a loopback port, and Chromium, all stopped after the file.
 */
export function inBrowserAgainstFakeAirflow(env: ServiceEnv, scenario: Partial<FakeAirflowOptions> = {}): BrowserHarness {
  let fake: FakeAirflow | undefined;
  let app: INestApplication | undefined;
  let base: string | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    fake = await FakeAirflow.start(scenario);
    app = await startServiceApp({ AIRFLOW_WEBSERVER: fake.url, ...env });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await fake?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('The service and the browser start in beforeAll: use them inside a test');
    return value;
  };
  return {
    get fake() {
      return started(fake);
    },
    get base() {
      return started(base);
    },
    get browser() {
      return started(browser);
    },
  };
}
