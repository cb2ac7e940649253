import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { describeHolders, findPortHolders, isProcessRunning } from './port-holder.finder.js';

// /proc/net/tcp* and /proc/<pid>/fd are Linux's; elsewhere the finder names no one.
const linux = existsSync('/proc/net/tcp');

describe('findPortHolders', () => {
  (linux ? it : it.skip)('names the process listening on a port, with its command line', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const holders = await findPortHolders((server.address() as net.AddressInfo).port);
      expect(holders).toEqual([{ pid: process.pid, command: expect.stringContaining('node') }]);
    } finally {
      server.close();
    }
  });

  it('names no one on a port nobody listens on', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    server.close();
    await once(server, 'close');
    await expect(findPortHolders(port)).resolves.toEqual([]);
  });

  it('describes holders for a one-line message', () => {
    expect(describeHolders([{ pid: 7, command: 'python3 -m http.server 5555' }])).toBe('pid 7: python3 -m http.server 5555');
    expect(describeHolders([])).toBe('a program the system does not name');
  });
});

describe('isProcessRunning', () => {
  it('tells a running process from one that has exited', async () => {
    await expect(isProcessRunning(process.pid)).resolves.toBe(true);
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    await expect(isProcessRunning(child.pid!)).resolves.toBe(false);
  });
});
