import { describe, expect, it } from 'vitest';
import { boardDef } from '../../shared/boards';
import { MemoryStore } from '../tsdb/memory-store';
import { sidOf } from '../tsdb/series-id';
import { BoardFeed } from './board-feed';

const def = boardDef.parse({
	name: 'ops',
	tiles: [
		{ kind: 'status', title: 'Services', selector: 'up{kind="http"}', by: 'service' },
		{ kind: 'stat', title: 'Orders', selector: 'orders', trend: 300_000 },
		{ kind: 'chart', title: 'Orders chart', window: 600_000, series: [{ selector: 'orders' }, { selector: 'latency' }] },
		{ kind: 'alerts', title: 'Alerts' }
	]
});
const status = { serverTime: 100_000, redis: 'up' as const, roles: { web: 1, collect: 1, alerts: 1 } };
const orders = sidOf('orders', {});

describe('BoardFeed', () => {
	it('maps a series to every tile source that reads it, with history for the tiles that draw it', () => {
		const b = new BoardFeed('ops', def);
		expect(b.add({ __name__: 'orders' }, 5, 90_000, 1000)).toBe(true);
		expect(b.add({ __name__: 'up', kind: 'http', service: 'shop' }, 1, 90_000, 1000)).toBe(true);
		expect(b.add({ __name__: 'other' }, 1, 90_000)).toBe(false);
		const r = b.apply([
			// 3 s later: past the step of the longest window (10 min / 240 = 2.5 s), so a point of its own.
			{ id: orders, value: 6, ts: 93_000 },
			{ id: orders, value: 4, ts: 89_000 },
			{ id: 'unknown', value: 1, ts: 91_000 }
		]);
		expect(r.fresh).toEqual([{ id: orders, value: 6, ts: 93_000 }]);
		expect(r.unknown.map((p) => p.id)).toEqual(['unknown']);
		const snap = b.snapshot(status);
		expect(snap.board?.name).toBe('ops');
		expect(snap.alerts).toEqual([]);
		const [up, o] = snap.series;
		expect(up).toMatchObject({ name: 'up', refs: [[0, 0]] });
		expect(up!.history).toBeUndefined();
		expect(o).toMatchObject({ name: 'orders', value: 6, refs: [[1, 0], [2, 0]], history: [[90_000, 5], [93_000, 6]] });
	});

	it("knows its status tiles' series (for maintenance windows) and sends their maintenance and the tiles' rules", () => {
		const b = new BoardFeed('ops', def);
		b.add({ __name__: 'up', kind: 'http', service: 'shop' }, 1, 90_000, 1000);
		b.add({ __name__: 'orders' }, 5, 90_000, 1000);
		const id = sidOf('up', { kind: 'http', service: 'shop' });
		expect(b.statusSeries()).toEqual([{ id, labels: { __name__: 'up', kind: 'http', service: 'shop' } }]);
		b.maintenance = [{ series: id, id: 'w1', name: 'Upgrade', until: 200_000 }];
		b.rules = [{ tile: 1, source: 0, ruleId: 'g/R', name: 'R', severity: 'warning', op: '>', threshold: 3 }];
		const snap = b.snapshot(status);
		expect(snap.maintenance).toEqual(b.maintenance);
		expect(snap.rules).toEqual(b.rules);
	});

	it('an ignored series is not looked up again; a full board looks up nothing', () => {
		const b = new BoardFeed('ops', def);
		b.ignore('x');
		expect(b.apply([{ id: 'x', value: 1, ts: 1 }]).unknown).toEqual([]);
		expect(b.apply([{ id: 'y', value: 1, ts: 1 }]).unknown).toHaveLength(1);
	});

	it('the board `default` of plain tiles: first tile only, its title and unit, no history or board', () => {
		const b = new BoardFeed('default', null, [
			{ title: 'Up', selector: 'up', unit: 'up' },
			{ title: 'All', selector: '{__name__=~".+"}' }
		]);
		b.add({ __name__: 'up', target: 'a' }, 1, 90_000);
		const snap = b.snapshot(status);
		expect(snap.board).toBeUndefined();
		expect(snap.series[0]).toMatchObject({ title: 'Up', unit: 'up' });
		expect(snap.series[0]!.refs).toBeUndefined();
	});

	it('loads history from the store for the tiles that draw it, and drops series gone quiet', async () => {
		const store = new MemoryStore();
		const now = Date.now();
		await store.write([{ name: 'orders', labels: {}, ts: [now - 120_000, now - 60_000, now - 1000], values: [1, 2, 3], intervalMs: 1000 }]);
		const b = new BoardFeed('ops', def);
		b.add({ __name__: 'orders' }, 3, now - 1000, 1000);
		await b.loadHistory(store, now);
		const o = b.snapshot({ ...status, serverTime: now }).series[0]!;
		expect(o.history?.map(([, v]) => v)).toEqual([1, 2, 3]);
		expect(b.prune(now + 60 * 60_000)).toBe(true);
		expect(b.size).toBe(0);
	});
});
