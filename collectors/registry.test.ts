import { describe, expect, it } from 'vitest';
import { collectorConfig, sources } from './registry';

describe('the collector registry', () => {
	it('has a config schema for every source, and a source for every schema', () => {
		const kinds = sources.map((s) => s.kind).sort();
		const schemaKinds = collectorConfig.options.map((o) => o.shape.kind.value).sort();
		expect(schemaKinds).toEqual(kinds);
		expect(new Set(kinds).size).toBe(kinds.length);
	});
});
