import 'reflect-metadata';
import { describe, expect, it, jest } from '@jest/globals';
import type { MessageEvent } from '@nestjs/common';
import { SseStream } from '@nestjs/core/router/sse-stream.js';
import type { DagOverviewDto } from '../dag-status/dag-status.dto.js';
import type { StatusEvent } from './events.ring.js';
import {
  EventsStream,
  GREETING,
  HEARTBEAT,
  HEARTBEAT_FRAME,
  helloFrame,
  RETRY_MS,
  STATUS_EVENT,
  statusFrame,
  type EventsSink,
} from './events.stream.js';

/** What Nest's own SseStream writes for a message: the wire form the fast lane must match. */
function nestWrites(message: MessageEvent): Promise<string> {
  const stream = new SseStream();
  return new Promise((resolve, reject) => {
    stream.once('data', (chunk: Buffer | string) => resolve(String(chunk)));
    stream.writeMessage(message, (error) => error && reject(error));
  });
}

const event = (id: number, dagId = 'a'): StatusEvent => ({
  id,
  dagId,
  overview: {} as DagOverviewDto,
  json: `{"dag_id":"${dagId}","n":${id}}`,
  frame: statusFrame(id, `{"dag_id":"${dagId}","n":${id}}`),
  key: String(id),
});

function sink(): EventsSink & { sent: number[] } {
  const sent: number[] = [];
  return { sent, hello: jest.fn(), event: (e) => sent.push(e.id), heartbeat: jest.fn(), end: jest.fn() };
}

describe('the frames of a stream', () => {
  it("are the bytes Nest's SseStream writes for the same messages", async () => {
    const json = '{"dag_id":"Airflow_Lab2","state":"success","note":"a\\nb"}';
    expect(statusFrame(1764652157000001, json)).toBe(await nestWrites({ type: STATUS_EVENT, id: '1764652157000001', data: json }));
    expect(helloFrame('')).toBe(await nestWrites({ retry: RETRY_MS, id: '', comment: GREETING }));
    expect(helloFrame('1764652157000001')).toBe(await nestWrites({ retry: RETRY_MS, id: '1764652157000001', comment: GREETING }));
    expect(HEARTBEAT_FRAME).toBe(await nestWrites({ comment: HEARTBEAT }));
  });
});

describe('EventsStream', () => {
  it('sends the events of the DAGs it wants that are newer than what it has, once', () => {
    const out = sink();
    const stream = new EventsStream(out, new Set(['a', 'b']));
    stream.lastSent = 10;
    for (const e of [event(9, 'a'), event(11, 'a'), event(12, 'c'), event(11, 'a'), event(13, 'b')]) stream.offer(e);
    expect(out.sent).toEqual([11, 13]);
  });

  it("sends a starting channel's first overview whatever its id, and only that one out of turn", () => {
    const out = sink();
    const stream = new EventsStream(out, new Set(['a', 'b']));
    stream.lastSent = 10;
    stream.wait('b');
    // The channel restarted and found nothing new: its first overview keeps the old id.
    stream.offer(event(4, 'b'));
    stream.offer(event(4, 'b'));
    stream.offer(event(11, 'a'));
    expect(out.sent).toEqual([4, 11]);
  });
});
