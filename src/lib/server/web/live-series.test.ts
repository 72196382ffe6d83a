import { describe, expect, it } from 'vitest';
import type { BoardDef } from '../../shared/boards';
import { liveSeriesSelect } from './live-series';

describe('liveSeriesSelect', () => {
	it('admits the series some board shows: the plain wall\'s tiles and every board\'s tile sources', () => {
		const boards = [
			{
				name: 'ops',
				title: 'Ops',
				tiles: [
					{ kind: 'status', title: 'Services', selector: 'up{kind="http"}', by: 'service' },
					{ kind: 'queue', title: 'Orders', queue: 'orders' }
				]
			}
		] as unknown as BoardDef[];
		const select = liveSeriesSelect({ tiles: [{ title: 'Orders', selector: 'shop_orders_per_minute' }], boards });
		expect(select('shop_orders_per_minute', {})).toBe(true);
		expect(select('up', { kind: 'http', service: 'payments' })).toBe(true);
		expect(select('up', { kind: 'tcp' })).toBe(false);
		expect(select('queue_backlog', { queue: 'orders', target: 'q' })).toBe(true);
		expect(select('queue_backlog', { queue: 'mail' })).toBe(false);
		expect(select('node_cpu_seconds_total', { cpu: '0' })).toBe(false);
	});

	it('admits every series when the plain wall has no tiles (it shows whatever is stored)', () => {
		const select = liveSeriesSelect({ tiles: [] });
		expect(select('anything_at_all', { a: 'b' })).toBe(true);
	});
});
