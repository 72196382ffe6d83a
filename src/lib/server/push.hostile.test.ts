/**
 * Hostile push bodies: known payloads in every field, generated JSON of any shape, prototype keys,
 * huge arrays. parsePush must never throw, must name the field of every refused item, and must keep
 * label values as the text sent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOSTILE_STRINGS, HOSTILE_VALUES, hostileJson, MEGABYTE } from '../../../tests/helpers/hostile';
import { parsePush } from './push';

const NOW = 1_700_000_000_000;
const FIELDS = ['', 'metric', 'labels', 'value', 'ts'];

function check(body: unknown) {
	const r = parsePush(body, NOW, 1000);
	if (!r.ok) {
		expect(r.error.length).toBeGreaterThan(0);
		return r;
	}
	for (const e of r.parsed.errors) {
		const item = (body as unknown[])[e.index];
		const ownKey = item !== null && typeof item === 'object' && Object.hasOwn(item, e.field);
		expect(FIELDS.includes(e.field) || e.field.startsWith('labels.') || ownKey, e.field).toBe(true);
		expect(e.message.length).toBeGreaterThan(0);
	}
	for (const s of r.parsed.samples) {
		expect(Object.getPrototypeOf(s.labels)).toBe(Object.prototype);
		for (const [k, v] of Object.entries(s.labels)) {
			expect(k.startsWith('__')).toBe(false);
			expect(typeof v).toBe('string');
		}
	}
	return r;
}

describe('parsePush with hostile input', () => {
	it('refuses every known value in every field with the field named, and keeps hostile label text as text', () => {
		let n = 0;
		for (const v of HOSTILE_VALUES) {
			for (const field of ['metric', 'labels', 'value', 'ts']) {
				const r = check([{ metric: 'm', labels: { a: 'b' }, value: 1, [field]: v }]);
				n++;
				if (r.ok && r.parsed.errors.length) expect(r.parsed.errors[0]!.field.split('.')[0]).toBe(field);
			}
			check(v);
			check([v]);
			n += 2;
		}
		for (const s of HOSTILE_STRINGS) {
			const r = check([{ metric: 'm', labels: { a: s }, value: 1 }, { metric: 'm', labels: { [s]: 'x' }, value: 1 }, { metric: s, value: 1 }, { metric: 'm', value: s }]);
			n++;
			if (!r.ok) throw new Error(r.error);
			if (s.length <= 1024) expect(r.parsed.samples[0]?.labels.a).toBe(s);
			else expect(r.parsed.errors[0]).toEqual({ index: 0, field: 'labels.a', message: 'label values may be at most 1,024 characters' });
		}
		expect(n).toBeGreaterThan(400);
	});

	it('never throws on generated bodies', () => {
		fc.assert(
			fc.property(fc.oneof(hostileJson, fc.array(hostileJson, { maxLength: 5 }), fc.array(fc.dictionary(fc.constantFrom('metric', 'labels', 'value', 'ts', '__proto__'), hostileJson), { maxLength: 5 })), (body) => {
				check(body);
			}),
			{ numRuns: 500 }
		);
	});

	it('refuses prototype keys as labels without polluting anything', () => {
		const body = JSON.parse('[{"metric":"m","value":1,"labels":{"__proto__":{"polluted":"yes"}}},{"metric":"m","value":1,"labels":{"constructor":"x","toString":"y"}},{"metric":"m","value":1,"__proto__":{}}]') as unknown;
		const r = check(body);
		if (!r.ok) throw new Error(r.error);
		expect(r.parsed.errors).toEqual([
			{ index: 0, field: 'labels.__proto__', message: 'label names must match ^[a-zA-Z_][a-zA-Z0-9_]*$ and not start with __' },
			{ index: 2, field: '__proto__', message: 'unknown field; expected metric, labels, value, ts' }
		]);
		expect(r.parsed.samples).toEqual([{ name: 'm', labels: { constructor: 'x', toString: 'y' }, ts: NOW, value: 1 }]);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});

	it('refuses a huge array before looking at its items, and NaN strings other than the three names', () => {
		expect(parsePush(new Array(1_000_000).fill({ metric: 'm', value: 1 }), NOW, 1000)).toEqual({ ok: false, error: 'at most 1000 samples per request, got 1000000' });
		const r = check(['nan', 'NAN', ' NaN', 'Infinity', '1', '0x10', ''].map((value) => ({ metric: 'm', value })));
		expect(r.ok && r.parsed.errors.map((e) => e.field)).toEqual(['value', 'value', 'value', 'value', 'value', 'value', 'value']);
	});
});

describe('parsePush messages', () => {
	it('describe deep and large values briefly instead of quoting them (a label nested 10,000 deep answered 500)', () => {
		let deep: unknown = 1;
		for (let i = 0; i < 10_000; i++) deep = { a: deep };
		const r = check([{ metric: 'm', value: 1, labels: { a: deep } }, { metric: `-${'x'.repeat(MEGABYTE)}`, value: 1 }, { metric: 'm', value: [deep] }, { metric: 'm', value: 1, ts: '1' }]);
		expect(r.ok && r.parsed.errors).toEqual([
			{ index: 0, field: 'labels.a', message: 'expected a string, got an object' },
			{ index: 1, field: 'metric', message: `expected a metric name matching ^[a-zA-Z_:][a-zA-Z0-9_:]*$, got "-${'x'.repeat(63)}"… (${MEGABYTE + 1} characters)` },
			{ index: 2, field: 'value', message: 'expected a number or "NaN", "+Inf", "-Inf", got an array' },
			{ index: 3, field: 'ts', message: 'expected whole milliseconds since the epoch, got "1"' }
		]);
	});
});
