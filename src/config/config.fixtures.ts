import type { ConfigService } from '@nestjs/config';
import type { AllConfig } from './config.type.js';
import { parseDagStatusConfig, type DagStatusConfig } from './dag-status.config.js';

// Test data for specs only (tsconfig.build.json leaves *.fixtures.ts out of the build).

type Namespaces = { [K in keyof AllConfig]?: Partial<AllConfig[K]> };

/**
 * A ConfigService that answers each namespace from `namespaces`: the settings a spec's subject
 * reads, under the namespace that parses them. Reading any other namespace throws.
 */
export function configOf(namespaces: Namespaces): ConfigService<AllConfig, true> {
  const getOrThrow = (key: keyof AllConfig) => {
    const value = namespaces[key];
    if (value === undefined) throw new TypeError(`The spec gives no ${key} settings`);
    return value;
  };
  return { getOrThrow } as unknown as ConfigService<AllConfig, true>;
}

/** The dagStatus settings as the defaults have them, with whatever `fields` change. */
export function dagStatusConfigOf(fields: Partial<DagStatusConfig> = {}): DagStatusConfig {
  return { ...parseDagStatusConfig({}), ...fields };
}
