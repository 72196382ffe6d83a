import { describe, expect, it } from 'vitest';
import { routeIdOfGroup, summarizeLog } from './notify-log-summary';

type E = Parameters<typeof summarizeLog>[0][number];
const e = (over: Partial<E>): E => ({ outcome: 'sent', channel: 'ops', groupKey: '0.1:{service="payments"}', notification: 'n1', at: 1000, ...over });

describe('routeIdOfGroup', () => {
	it('reads the route id before the group labels, and none for a test send or a key that is not one', () => {
		expect(routeIdOfGroup('0:{}')).toBe('0');
		expect(routeIdOfGroup('0.2.1:{a="x:y"}')).toBe('0.2.1');
		expect(routeIdOfGroup('test')).toBeNull();
		expect(routeIdOfGroup('x:{}')).toBeNull();
		expect(routeIdOfGroup(':{}')).toBeNull();
	});
});

describe('summarizeLog', () => {
	it('counts each outcome per channel, with the newest sent and failed times and the newest failure', () => {
		// Newest first, as the log is read.
		const s = summarizeLog([
			e({ outcome: 'failed', notification: 'n3', at: 5000, status: 500 }),
			e({ outcome: 'retry', notification: 'n3', at: 4000, error: 'timeout' }),
			e({ outcome: 'failed', notification: 'n2', at: 3500, error: 'connection refused' }),
			e({ outcome: 'sent', notification: 'n1', at: 3000 }),
			e({ outcome: 'muted', notification: '', at: 2000 }),
			e({ outcome: 'sent', channel: 'pager', notification: 'n0', at: 1000 })
		]);
		expect(s.scanned).toBe(6);
		expect(s.since).toBe(1000);
		expect(s.channels.get('ops')).toEqual({ channel: 'ops', sent: 1, failed: 2, retry: 1, muted: 1, lastSentAt: 3000, lastFailedAt: 5000, lastProblem: 'HTTP 500' });
		expect(s.channels.get('pager')).toMatchObject({ sent: 1, failed: 0, lastFailedAt: null, lastProblem: null });
	});

	it('counts a notification once per route however many attempts it took, muted decisions apart, and keeps the groups it was for', () => {
		const s = summarizeLog([
			e({ outcome: 'sent', notification: 'a', at: 9000, groupKey: '0.1:{service="payments"}' }),
			e({ outcome: 'retry', notification: 'a', at: 8000, groupKey: '0.1:{service="payments"}' }),
			e({ outcome: 'sent', notification: 'b', at: 7000, groupKey: '0.1:{service="search"}' }),
			e({ outcome: 'muted', notification: '', at: 6000, groupKey: '0.1:{service="payments"}' }),
			e({ outcome: 'sent', notification: 'c', at: 5000, groupKey: '0:{}' }),
			e({ outcome: 'sent', notification: 't', at: 4000, groupKey: 'test' })
		]);
		expect(s.routes.get('0.1')).toEqual({ routeId: '0.1', notifications: 2, muted: 1, lastAt: 9000, groups: ['{service="payments"}', '{service="search"}'] });
		expect(s.routes.get('0')).toMatchObject({ notifications: 1, muted: 0, lastAt: 5000, groups: ['{}'] });
		// A test send counts for its channel, not for a route.
		expect([...s.routes.keys()].sort()).toEqual(['0', '0.1']);
		expect(s.channels.get('ops')!.sent).toBe(4);
	});

	it('is empty for an empty log', () => {
		const s = summarizeLog([]);
		expect(s).toMatchObject({ scanned: 0, since: null });
		expect(s.channels.size + s.routes.size).toBe(0);
	});
});
