import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { Subject } from 'rxjs';
import { AirflowUnreachableError, DagNotFoundError } from '../airflow/airflow.errors.js';
import type { AllConfig } from '../config/config.type.js';
import { parseNotificationsConfig } from '../config/notifications.config.js';
import { overviewOf } from '../dag-status/dag-status.fixtures.js';
import type { NotSuccessReason } from '../dag-status/dag-status.types.js';
import type { DagStatusService } from '../dag-status/dag-status.service.js';
import type { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import type { NotificationsDelivery } from './notifications.delivery.js';
import { NotificationsService } from './notifications.service.js';
import type { Notification } from './notifications.types.js';

/** A snapshot whose overview (as the fake DagStatusService judges it) has `reason`; `error` for a failure of Airflow. */
const snapshot = (dagId: string, reason: string | null, error: Error | null = null) => ({ dagId, reason, error }) as unknown as DagSnapshot;

function service(env: Record<string, string> = {}) {
  const changes = new Subject<DagSnapshot>();
  const allowed = new Set(['a', 'b']);
  const store = { changes: changes.asObservable(), isAllowed: (d: string) => allowed.has(d) } as unknown as MirrorStore;
  const status = {
    describe: (s: DagSnapshot & { reason: string | null }) => {
      if (s.reason === 'explode') throw new Error('judging failed');
      return overviewOf({
        dagId: s.dagId,
        reason: s.reason as NotSuccessReason | null,
        outcome: s.reason === null ? 'success' : 'failure',
      });
    },
  } as unknown as DagStatusService;
  const sent: Notification[] = [];
  const delivery = { enqueue: (n: Notification) => sent.push(n) } as unknown as NotificationsDelivery;
  const config = parseNotificationsConfig({ NOTIFY_WEBHOOKS: 'http://127.0.0.1:9/hook', ...env });
  const notifications = new NotificationsService(store, status, delivery, {
    getOrThrow: () => config,
  } as unknown as ConfigService<AllConfig, true>);
  return { notifications, changes, sent, allowed, types: () => sent.map((n) => `${n.dagId}:${n.type}`) };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('NotificationsService', () => {
  it('follows each DAG apart, from its first verdict on, with deterministic ids', () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { notifications, changes, sent, types } = service();
    notifications.onModuleInit();
    changes.next(snapshot('a', null));
    changes.next(snapshot('b', 'failed'));
    changes.next(snapshot('a', 'failed'));
    changes.next(snapshot('b', null));
    expect(types()).toEqual(['a:failed', 'b:recovered']);
    expect(sent[0]).toMatchObject({ dagId: 'a', overview: { dag_id: 'a', reason: 'failed' } });
    expect(sent[0].id).toMatch(/^msg_[0-9a-f]{32}$/);
  });

  it('sends only the types of NOTIFY_TYPES', () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { notifications, changes, types } = service({ NOTIFY_TYPES: 'recovered' });
    notifications.onModuleInit();
    for (const reason of [null, 'failed', null]) changes.next(snapshot('a', reason));
    expect(types()).toEqual(['a:recovered']);
  });

  it('forgets a DAG that left the watched set: back, it starts afresh', () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { notifications, changes, allowed, types } = service();
    notifications.onModuleInit();
    changes.next(snapshot('b', 'failed'));
    allowed.delete('b');
    changes.next(snapshot('b', 'dag_not_found', new DagNotFoundError('b')));
    allowed.add('b');
    changes.next(snapshot('b', null));
    changes.next(snapshot('b', 'airflow_unreachable', new AirflowUnreachableError('down')));
    expect(types()).toEqual(['b:airflow_unreachable']);
  });

  it('keeps following after a change it could not judge, and logs it', () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { notifications, changes, types } = service();
    notifications.onModuleInit();
    changes.next(snapshot('a', null));
    changes.next(snapshot('a', 'explode'));
    changes.next(snapshot('a', 'failed'));
    expect(types()).toEqual(['a:failed']);
    expect(errors).toHaveBeenCalledWith('Could not follow the change of a: judging failed');
  });

  it('does nothing without a webhook, and logs where it sends otherwise, URLs redacted', () => {
    const logs = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const off = service({ NOTIFY_WEBHOOKS: '' });
    off.notifications.onModuleInit();
    off.changes.next(snapshot('a', null));
    off.changes.next(snapshot('a', 'failed'));
    expect(off.sent).toEqual([]);
    expect(logs).not.toHaveBeenCalled();
    service({ NOTIFY_WEBHOOKS: 'slack=https://hooks.slack.com/services/T0/B0/t0k3n' }).notifications.onModuleInit();
    expect(logs).toHaveBeenCalledWith(
      expect.stringMatching(/ to webhook 1 \(slack, https:\/\/hooks\.slack\.com\/services\/\[REDACTED\]\), unsigned/),
    );
    expect(String(logs.mock.calls[0][0])).not.toContain('t0k3n');
  });
});
