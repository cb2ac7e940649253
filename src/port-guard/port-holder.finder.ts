import { readdir, readFile, readlink } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';

/** A process that listens on a TCP port, as Linux tells it. */
export interface PortHolder {
  pid: number;
  command: string;
}

/** TCP state LISTEN in /proc/net/tcp*. */
const TCP_LISTEN = '0A';
/** A command line can be long; the start says what it is. */
const MAX_COMMAND_CHARS = 160;

/** The finder's reads of /proc: a provider of its own, so that a test can hand in a fake /proc. */
@Injectable()
export class ProcFiles {
  read(path: string): Promise<string> {
    return readFile(path, 'utf8');
  }

  list(path: string): Promise<string[]> {
    return readdir(path);
  }

  linkTarget(path: string): Promise<string> {
    return readlink(path);
  }
}

/**
 * Who holds a port and whether a process still runs, from /proc: named in the
 * port guard's refusal and checked by the stop command. Names no one where the
 * OS does not tell (not Linux, or another user's processes).
 */
@Injectable()
export class PortHolderFinder {
  constructor(private readonly proc: ProcFiles) {}

  /** The processes listening on `port`, from /proc/net/tcp* and /proc/<pid>/fd. */
  async find(port: number): Promise<PortHolder[]> {
    const inodes = await this.listeningInodes(port);
    if (inodes.size === 0) return [];
    const sockets = new Set([...inodes].map((inode) => `socket:[${inode}]`));
    let pids: string[];
    try {
      pids = (await this.proc.list('/proc')).filter((name) => /^\d+$/.test(name));
    } catch {
      return [];
    }
    const holders: PortHolder[] = [];
    for (const pid of pids) {
      let fds: string[];
      try {
        fds = await this.proc.list(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        const target = await this.proc.linkTarget(`/proc/${pid}/fd/${fd}`).catch(() => '');
        if (sockets.has(target)) {
          holders.push({ pid: Number(pid), command: await this.commandOf(pid) });
          break;
        }
      }
    }
    return holders;
  }

  /** Holders for a one-line message. */
  describe(holders: PortHolder[]): string {
    if (holders.length === 0) return 'a program the system does not name';
    return holders.map((h) => `pid ${h.pid}: ${h.command}`).join('; ');
  }

  /**
   * Whether `pid` is still a running process. A zombie (exited, not yet reaped by
   * its parent, such as a busy Airflow task runner) holds no port and counts as gone.
   */
  async isRunning(pid: number): Promise<boolean> {
    try {
      process.kill(pid, 0);
    } catch (error) {
      // EPERM: it exists, but belongs to another user.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
    try {
      // Fields after the parenthesised command name: "state ppid ..."; the name itself may hold spaces.
      const stat = await this.proc.read(`/proc/${pid}/stat`);
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return true; // no /proc here: the signal test is all we have
    }
  }

  private async listeningInodes(port: number): Promise<Set<string>> {
    const inodes = new Set<string>();
    const portHex = port.toString(16).toUpperCase().padStart(4, '0');
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      let text: string;
      try {
        text = await this.proc.read(table);
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

  private async commandOf(pid: string): Promise<string> {
    try {
      const raw = await this.proc.read(`/proc/${pid}/cmdline`);
      const command = raw.split('\0').filter(Boolean).join(' ');
      return command.length > MAX_COMMAND_CHARS ? `${command.slice(0, MAX_COMMAND_CHARS - 3)}...` : command;
    } catch {
      return '?';
    }
  }
}
