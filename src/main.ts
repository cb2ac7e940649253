// The entry, `node dist/main.js` however it is started: Node with the service's V8 heap and malloc settings
// (src/config/node-flags.ts), then the service (server.ts). Small, so that the ~1 s of loading the
// bundle is not paid twice when Node starts again.
import { relaunchCommand } from './config/node-flags.js';

const relaunch = relaunchCommand();
// execve: the same process (pid, signals, stdio, environment) with the flags; nothing ran before it.
if (relaunch && process.execve) process.execve(relaunch.args[0], relaunch.args, relaunch.env);
await import('./server.js');
