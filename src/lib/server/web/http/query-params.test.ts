import { describe, expect, it } from 'vitest';
import { refuseQuery, unknownParam } from './query-params';

describe('query checks of the read APIs', () => {
	it('name the first unknown parameter and what is expected', () => {
		expect(unknownParam(new URLSearchParams('range=last-7d&rnage=x'), ['range', 'format'])).toBe('rnage: unknown parameter; expected range, format');
		expect(unknownParam(new URLSearchParams('range=last-7d'), ['range', 'format'])).toBeNull();
	});

	it('answer 400 with the reason for an unknown parameter or a format other than json or csv, and nothing otherwise', async () => {
		const bad = refuseQuery(new URLSearchParams('format=xml'), ['format']);
		expect(bad?.status).toBe(400);
		expect(await bad!.json()).toEqual({ error: 'format: expected json or csv' });
		const unknown = refuseQuery(new URLSearchParams('formt=csv'), ['format']);
		expect(await unknown!.json()).toEqual({ error: 'formt: unknown parameter; expected format' });
		expect(refuseQuery(new URLSearchParams('format=csv'), ['format'])).toBeNull();
		expect(refuseQuery(new URLSearchParams(''), ['format'])).toBeNull();
	});
});
