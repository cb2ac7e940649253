import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { PortHolderFinder, ProcFiles } from './port-holder.finder.js';

// /proc/net/tcp* and /proc/<pid>/fd are Linux's; elsewhere the finder names no one.
const linux = existsSync('/proc/net/tcp');

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
/** A /proc/net/tcp line: port 5555 is 15B3; state 0A is LISTEN, 01 ESTABLISHED. */
const tcpLine = (localPort: string, state: string, inode: string) =>
  `   0: 0100007F:${localPort} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 100 0 0 10 0`;

/** A /proc made of a few files, links and directories; anything else does not exist. */
function fakeProc(files: Record<string, string>, dirs: Record<string, string[]> = {}, links: Record<string, string> = {}): ProcFiles {
  const missing = (path: string) => Promise.reject(Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' }));
  return {
    read: (path: string) => (path in files ? Promise.resolve(files[path]) : missing(path)),
    list: (path: string) => (path in dirs ? Promise.resolve(dirs[path]) : missing(path)),
    linkTarget: (path: string) => (path in links ? Promise.resolve(links[path]) : missing(path)),
  };
}

describe('PortHolderFinder.find', () => {
  (linux ? it : it.skip)('names the process listening on a port, with its command line (the real /proc)', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const holders = await new PortHolderFinder(new ProcFiles()).find((server.address() as net.AddressInfo).port);
      expect(holders).toEqual([{ pid: process.pid, command: expect.stringContaining('node') }]);
    } finally {
      server.close();
    }
  });

  it('follows a listening socket of either table to the process whose descriptor points at it', async () => {
    const proc = fakeProc(
      {
        '/proc/net/tcp': [HEADER, tcpLine('15B3', '01', '111'), tcpLine('15B4', '0A', '222')].join('\n'),
        '/proc/net/tcp6': [HEADER, tcpLine('15B3', '0A', '333')].join('\n'),
        '/proc/42/cmdline': 'python3\0-m\0http.server\x005555\0',
      },
      { '/proc': ['1', '42', 'self', 'net'], '/proc/1/fd': ['0'], '/proc/42/fd': ['0', '3'] },
      { '/proc/1/fd/0': 'socket:[111]', '/proc/42/fd/0': '/dev/null', '/proc/42/fd/3': 'socket:[333]' },
    );
    // 111 is on the port but established, 222 listens on another port: only 333 counts.
    await expect(new PortHolderFinder(proc).find(5555)).resolves.toEqual([{ pid: 42, command: 'python3 -m http.server 5555' }]);
  });

  it('names no one when nothing listens, or /proc cannot be read', async () => {
    const listening = { '/proc/net/tcp': [HEADER, tcpLine('15B3', '0A', '333')].join('\n') };
    await expect(new PortHolderFinder(fakeProc({ '/proc/net/tcp': HEADER })).find(5555)).resolves.toEqual([]);
    await expect(new PortHolderFinder(fakeProc({})).find(5555)).resolves.toEqual([]);
    // Listening, but the processes are not ours to see.
    await expect(new PortHolderFinder(fakeProc(listening)).find(5555)).resolves.toEqual([]);
  });

  it('shortens a long command line and marks one it cannot read', async () => {
    const tcp = [HEADER, tcpLine('15B3', '0A', '333')].join('\n');
    const dirs = { '/proc': ['7', '8'], '/proc/7/fd': ['3'], '/proc/8/fd': ['3'] };
    const links = { '/proc/7/fd/3': 'socket:[333]', '/proc/8/fd/3': 'socket:[333]' };
    const holders = await new PortHolderFinder(fakeProc({ '/proc/net/tcp': tcp, '/proc/7/cmdline': 'x'.repeat(500) }, dirs, links)).find(
      5555,
    );
    expect(holders).toEqual([
      { pid: 7, command: `${'x'.repeat(157)}...` },
      { pid: 8, command: '?' },
    ]);
  });

  it('names no one on a port nobody listens on (the real /proc)', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    server.close();
    await once(server, 'close');
    await expect(new PortHolderFinder(new ProcFiles()).find(port)).resolves.toEqual([]);
  });
});

describe('PortHolderFinder.describe', () => {
  it('describes holders for a one-line message', () => {
    const finder = new PortHolderFinder(fakeProc({}));
    expect(finder.describe([{ pid: 7, command: 'python3 -m http.server 5555' }])).toBe('pid 7: python3 -m http.server 5555');
    expect(
      finder.describe([
        { pid: 7, command: 'a' },
        { pid: 8, command: 'b' },
      ]),
    ).toBe('pid 7: a; pid 8: b');
    expect(finder.describe([])).toBe('a program the system does not name');
  });
});

describe('PortHolderFinder.isRunning', () => {
  it('tells a running process from one that has exited', async () => {
    const finder = new PortHolderFinder(new ProcFiles());
    await expect(finder.isRunning(process.pid)).resolves.toBe(true);
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    await expect(finder.isRunning(child.pid!)).resolves.toBe(false);
  });

  it('counts a zombie as gone, whatever its command name holds, and trusts the signal where /proc is missing', async () => {
    const stat = (state: string) => fakeProc({ [`/proc/${process.pid}/stat`]: `${process.pid} (my (odd) name) ${state} 1 2 3` });
    await expect(new PortHolderFinder(stat('Z')).isRunning(process.pid)).resolves.toBe(false);
    await expect(new PortHolderFinder(stat('S')).isRunning(process.pid)).resolves.toBe(true);
    await expect(new PortHolderFinder(fakeProc({})).isRunning(process.pid)).resolves.toBe(true);
  });
});
