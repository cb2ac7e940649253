import { readdir, readFile, readlink } from 'node:fs/promises';

/** A process that listens on a TCP port, as Linux tells it. */
export interface PortHolder {
  pid: number;
  command: string;
}

/** TCP state LISTEN in /proc/net/tcp*. */
const TCP_LISTEN = '0A';

async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const localPort = fields[1]?.split(':')[1];
      if (localPort === portHex && fields[3] === TCP_LISTEN) inodes.add(fields[9] ?? '');
    }
  }
  inodes.delete('0');
  inodes.delete('');
  return inodes;
}

async function commandOf(pid: number): Promise<string> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const command = raw.split('\0').filter(Boolean).join(' ');
    // A command line can be long; the start says what it is.
    return command.length > 160 ? `${command.slice(0, 157)}...` : command;
  } catch {
    return '?';
  }
}

/**
 * The processes listening on `port`, from /proc/net/tcp* and /proc/<pid>/fd.
 * Empty where the OS does not tell (not Linux, or another user's processes).
 */
export async function findPortHolders(port: number): Promise<PortHolder[]> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return [];
  const sockets = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  const holders: PortHolder[] = [];
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (sockets.has(target)) {
        holders.push({ pid: Number(pid), command: await commandOf(Number(pid)) });
        break;
      }
    }
  }
  return holders;
}

/**
 * Whether `pid` is still a running process. A zombie (exited, not yet reaped by
 * its parent, such as a busy Airflow task runner) holds no port and counts as gone.
 */
export async function isProcessRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Fields after the parenthesised command name: "state ppid ..."; the name itself may hold spaces.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc here: the signal test is all we have
  }
}

export function describeHolders(holders: PortHolder[]): string {
  if (holders.length === 0) return 'a program the system does not name';
  return holders.map((h) => `pid ${h.pid}: ${h.command}`).join('; ');
}
