import { describe, expect, it } from 'vitest';
import { MemorySource, type SampleSource, type SeriesData } from '../promql';
import { MemoryStore } from '../tsdb/memory-store';
import { compileRule, type CompiledRule } from './compile';
import { evaluate, evaluateFromStore } from './evaluate';
import type { RuleState } from './types';

const M = 60_000;

function rule(spec: Record<string, unknown>): CompiledRule {
	const r = compileRule({ alert: 'A', ...spec }, { name: 'g', intervalMs: M });
	if (!r.rule) throw new Error(JSON.stringify(r.problems));
	return r.rule;
}

/** A series sampled every minute from 0; null is no sample, 'stale' a stale marker. */
function series(labels: Record<string, string>, values: Array<number | null | 'stale'>): SeriesData {
	const s: SeriesData = { labels, ts: [], values: [] };
	const stale: number[] = [];
	values.forEach((v, i) => {
		if (v === null) return;
		if (v === 'stale') stale.push(s.ts.length);
		s.ts.push(i * M);
		s.values.push(v === 'stale' ? NaN : v);
	});
	if (stale.length) s.stale = stale;
	return s;
}

function run(r: CompiledRule, source: SampleSource, minutes: number) {
	let state: RuleState | undefined;
	const out: string[] = [];
	for (let i = 0; i < minutes; i++) {
		state = evaluate(r, i * M, source, state, { clock: () => 0 }).state;
		out.push(`${state.health}:${state.instances.map((a) => `${a.labels.svc ?? '-'}=${a.state}`).sort().join(',') || '-'}`);
	}
	return out;
}

describe('evaluate', () => {
	it('runs the expression and steps the state', () => {
		const src = new MemorySource([series({ __name__: 'lat', svc: 'a' }, [1, 9, 9, 9, 1])]);
		expect(run(rule({ expr: 'lat > 5', for: '1m' }), src, 5)).toEqual(['ok:-', 'ok:a=pending', 'ok:a=firing', 'ok:a=firing', 'ok:a=inactive']);
	});

	it('nodata: missing and stale input series are no data; absent() rules never are', () => {
		const src = new MemorySource([series({ __name__: 'lat', svc: 'a' }, [9, 9, 'stale'])]);
		expect(run(rule({ expr: 'lat > 5' }), src, 4)).toEqual(['ok:a=firing', 'ok:a=firing', 'nodata:-=nodata,a=inactive', 'nodata:-=nodata,a=inactive']);
		expect(run(rule({ expr: 'absent(lat)' }), src, 4)).toEqual(['ok:-', 'ok:-', 'ok:-=firing', 'ok:-=firing']);
		// A range selector has data while any sample is in its window.
		const r = rule({ expr: 'max_over_time(lat[2m]) > 100', nodata: 'alerting', for: '1m' });
		expect(run(r, src, 6)).toEqual(['ok:-', 'ok:-', 'ok:-', 'ok:-', 'nodata:-=pending', 'nodata:-=firing']);
	});

	it('clear_threshold: fires above the threshold, resolves only below the clear threshold', () => {
		const src = new MemorySource([series({ __name__: 'lat', svc: 'a' }, [9, 4, 4.5, 6, 4, 2, 4])]);
		expect(run(rule({ expr: 'lat > 5', clear_threshold: 3 }), src, 7)).toEqual([
			'ok:a=firing',
			'ok:a=firing',
			'ok:a=firing',
			'ok:a=firing',
			'ok:a=firing',
			'ok:a=inactive',
			'ok:a=inactive'
		]);
	});

	it('hysteresis: a firing instance whose series vanished resolves', () => {
		const src = new MemorySource([series({ __name__: 'lat', svc: 'a' }, [9, 'stale']), series({ __name__: 'lat', svc: 'b' }, [1, 1])]);
		expect(run(rule({ expr: 'lat > 5', clear_threshold: 3 }), src, 2)).toEqual(['ok:a=firing', 'ok:a=inactive']);
		expect(run(rule({ expr: 'lat > 5', clear_expr: 'lat < 3' }), src, 2)).toEqual(['ok:a=firing', 'ok:a=inactive']);
	});

	it('clear_expr: an aggregated instance holds while its input series have data', () => {
		const src = new MemorySource([
			series({ __name__: 'lat', svc: 'a', pod: '1' }, [9, 4, 4, 1]),
			series({ __name__: 'lat', svc: 'a', pod: '2' }, [9, 4, 4, 1])
		]);
		const r = rule({ expr: 'avg by (svc) (lat) > 5', clear_expr: 'avg by (svc) (lat) < 3' });
		expect(run(r, src, 4)).toEqual(['ok:a=firing', 'ok:a=firing', 'ok:a=firing', 'ok:a=inactive']);
	});

	it('errors: an expression that fails, a source that cannot be read, a store that fails', async () => {
		const src = new MemorySource([series({ __name__: 'x', a: '1' }, [1]), series({ __name__: 'x', a: '2' }, [1]), series({ __name__: 'y', a: '1' }, [1])]);
		const r = rule({ expr: 'y / on() x > 0' });
		const s = evaluate(r, 0, src, undefined).state;
		expect(s.health).toBe('error');
		expect(s.lastError).toMatch(/many-to-many|duplicate|match/i);
		expect(evaluate(r, 0, { error: 'store unreachable' }, undefined).state).toMatchObject({ health: 'error', lastError: 'store unreachable' });
		const failing = { raw: async () => Promise.reject(new Error('connection lost')) };
		const res = await evaluateFromStore(rule({ expr: 'up == 0' }), 0, failing, undefined);
		expect(res.state).toMatchObject({ health: 'error', lastError: 'reading the store failed: connection lost' });
	});

	it('reads a rule’s data from the store (stale markers included)', async () => {
		const store = new MemoryStore({ now: () => 10 * M });
		await store.write([{ name: 'up', labels: { job: 'shop' }, ts: [8 * M, 9 * M], values: [0, NaN], stale: [1] }]);
		const r = rule({ expr: 'up == 0' });
		const before = await evaluateFromStore(r, 8 * M, store, undefined);
		expect(before.state.instances.map((a) => a.state)).toEqual(['firing']);
		const after = await evaluateFromStore(r, 9 * M, store, before.state);
		expect(after.state.health).toBe('nodata');
		expect(after.events.map((e) => `${e.from}->${e.to}`).sort()).toEqual(['firing->inactive', 'inactive->nodata']);
	});
});
