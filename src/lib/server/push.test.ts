import { describe, expect, it } from 'vitest';
import { parsePush } from './push';

const now = 1_700_000_000_000;

describe('parsePush', () => {
	it('keeps good items and names the field of each bad one', () => {
		const r = parsePush(
			[
				{ metric: 'orders_total', labels: { channel: 'web' }, value: 5, ts: now - 1000 },
				{ metric: '9bad', value: 1 },
				{ metric: 'x', labels: { 'a-b': '1' }, value: 1 },
				{ metric: 'x', labels: { a: 1 }, value: 1 },
				{ metric: 'x', value: 'lots' },
				{ metric: 'x', value: 1, ts: 1.5 },
				{ metric: 'x', value: 1, ts: now + 3_600_000 },
				{ metric: 'x', value: 1, extra: true },
				'nope',
				{ metric: 'inf', value: '+Inf' }
			],
			now,
			100
		);
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.parsed.samples).toEqual([
			{ name: 'orders_total', labels: { channel: 'web' }, ts: now - 1000, value: 5 },
			{ name: 'inf', labels: {}, ts: now, value: Infinity }
		]);
		expect(r.parsed.errors.map((e) => [e.index, e.field])).toEqual([
			[1, 'metric'],
			[2, 'labels.a-b'],
			[3, 'labels.a'],
			[4, 'value'],
			[5, 'ts'],
			[6, 'ts'],
			[7, 'extra'],
			[8, '']
		]);
		expect(r.parsed.errors[5]!.message).toBe("is 60 min in the future; check the sender's clock");
	});

	it('refuses a body that is not an array, or too many items', () => {
		expect(parsePush({ metric: 'x' }, now, 10)).toMatchObject({ ok: false, error: expect.stringContaining('expected a JSON array') });
		expect(parsePush(Array(11).fill({ metric: 'x', value: 1 }), now, 10)).toEqual({ ok: false, error: 'at most 10 samples per request, got 11' });
	});
});
