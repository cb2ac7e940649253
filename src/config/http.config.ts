import { registerAs } from '@nestjs/config';
import { readHost, readInt, type Env } from './config.parsers.js';

/** Where the service serves HTTP; the port guard decides whether it may. */
export interface HttpConfig {
  host: string;
  port: number;
}

export function parseHttpConfig(env: Env): HttpConfig {
  return {
    host: readHost(env, 'HOST', '0.0.0.0'),
    // The seed's variable name, so that existing deployments need no change.
    port: readInt(env, 'FLASK_PORT', 5555, 1, 65535),
  };
}

export default registerAs('http', () => parseHttpConfig(process.env));
