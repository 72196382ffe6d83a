/**
 * The scrape cache: a parse with it gives what a parse without it gives, scrape after scrape, while
 * repeated series texts are looked up instead of parsed; entries not met for two scrapes go, and the
 * cache stays within its bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScrapeCache } from './cache';
import { parseExposition, type ExpositionFormat, type ParseResult } from './parse';

/** The result without the cache entries, to compare with a parse without a cache. */
function plain(result: ParseResult): ParseResult {
	return {
		...result,
		families: result.families.map((f) => ({ ...f, samples: f.samples.map(({ series: _series, ...s }) => s) }))
	};
}

function samplesOf(result: ParseResult) {
	return result.families.flatMap((f) => f.samples);
}

describe('ScrapeCache', () => {
	it('looks a repeated series text up: the same frozen labels object, the new value', () => {
		const cache = new ScrapeCache();
		const first = samplesOf(parseExposition('# TYPE a counter\na_total{x="1",y="2"} 1\nb 5\n', 'prometheus-text', cache));
		const second = samplesOf(parseExposition('# TYPE a counter\na_total{x="1",y="2"} 2\nb 6 1700000000000\n', 'prometheus-text', cache));
		expect(second.map((s) => [s.name, s.labels, s.value, s.timestampMs])).toEqual([
			['a_total', { x: '1', y: '2' }, 2, undefined],
			['b', {}, 6, 1700000000000]
		]);
		expect(second[0]!.labels).toBe(first[0]!.labels);
		expect(second[0]!.series).toBe(first[0]!.series);
		expect(Object.isFrozen(second[0]!.labels)).toBe(true);
		expect(cache.size).toBe(2);
	});

	it('parses a changed series text again: a new label value, another label order, blanks are other texts', () => {
		const cache = new ScrapeCache();
		const first = samplesOf(parseExposition('m{a="1",b="2"} 1\n', 'prometheus-text', cache))[0]!;
		// One a scrape: in one scrape the last two would be repeats of the first series.
		const changed = ['m{a="1",b="3"} 1\n', 'm{b="2",a="1"} 1\n', 'm {a="1",b="2"} 1\n'].map((text) => samplesOf(parseExposition(text, 'prometheus-text', cache))[0]!);
		expect(changed.map((s) => s.labels)).toEqual([{ a: '1', b: '3' }, { b: '2', a: '1' }, { a: '1', b: '2' }]);
		for (const s of changed) expect(s.series).not.toBe(first.series);
		expect(new Set(changed.map((s) => s.series)).size).toBe(3);
	});

	it('keeps label values with escapes as the full parse reads them', () => {
		const text = 'm{path="C:\\\\dir\\\\",q="say \\"hi\\"",nl="a\\nb",odd="\\d",brace="}{ ,="} 1\n';
		const cache = new ScrapeCache();
		const want = { path: 'C:\\dir\\', q: 'say "hi"', nl: 'a\nb', odd: '\\d', brace: '}{ ,=' };
		for (let scrape = 0; scrape < 3; scrape++) {
			const result = parseExposition(text, 'prometheus-text', cache);
			expect(result.problems).toEqual([]);
			expect(samplesOf(result)[0]!.labels).toEqual(want);
		}
		expect(cache.size).toBe(1);
	});

	it('still reports a repeated series in one scrape, and a bad value or tail after a cached series text', () => {
		const cache = new ScrapeCache();
		parseExposition('m{a="1"} 1\nn 2\n', 'prometheus-text', cache);
		const result = parseExposition('m{a="1"} 1\nm{a="1"} 2\nn x\nn$ 3\nm{a="1"} 1 12x\n', 'prometheus-text', cache);
		expect(plain(result)).toEqual(parseExposition('m{a="1"} 1\nm{a="1"} 2\nn x\nn$ 3\nm{a="1"} 1 12x\n', 'prometheus-text'));
		expect(result.duplicates).toEqual([{ line: 2, series: 'm{a="1"}' }]);
		expect(result.problems.map((p) => p.line)).toEqual([3, 4, 5]);
	});

	it('drops series not met in the last two scrapes', () => {
		const cache = new ScrapeCache();
		parseExposition('a 1\nb 1\n', 'prometheus-text', cache);
		parseExposition('a 1\n', 'prometheus-text', cache);
		expect(cache.size).toBe(2); // b was met one scrape ago
		parseExposition('a 1\n', 'prometheus-text', cache);
		expect(cache.size).toBe(1);
		const b = samplesOf(parseExposition('a 1\nb 2\n', 'prometheus-text', cache))[1]!;
		expect(b).toMatchObject({ name: 'b', value: 2 });
		expect(cache.size).toBe(2);
	});

	it('holds at most its bound; series past it are parsed in full, not cached', () => {
		const cache = new ScrapeCache(3);
		const text = Array.from({ length: 5 }, (_, i) => `m{i="${i}"} ${i}\n`).join('');
		for (let scrape = 0; scrape < 2; scrape++) {
			const samples = samplesOf(parseExposition(text, 'prometheus-text', cache));
			expect(samples.map((s) => s.labels.i)).toEqual(['0', '1', '2', '3', '4']);
			expect(samples.map((s) => s.series !== undefined)).toEqual([true, true, true, false, false]);
			expect(cache.size).toBe(3);
		}
	});

	it('starts again when the format changes (the two read blanks and escapes differently)', () => {
		const cache = new ScrapeCache();
		parseExposition('m{a="1"} 1\n', 'prometheus-text', cache);
		const om = parseExposition('m{a="1"} 1\n# EOF\n', 'openmetrics', cache);
		expect(om.problems).toEqual([]);
		expect(cache.size).toBe(1);
		expect(plain(parseExposition('m { a = "1" } 1\n# EOF\n', 'openmetrics', cache)).problems).toEqual(parseExposition('m { a = "1" } 1\n# EOF\n', 'openmetrics').problems);
	});

	// Lines built from fragments that stress the quick scan: quotes, escapes, braces and blanks in
	// values, names that fit families or not, bad values, timestamps, exemplars, duplicates.
	const fragment = fc.constantFrom(
		'm', 'm_total', 'm_bucket', 'm_count', 'h_bucket', 'h_sum', 'x', '{', '}', '{a="1"}', '{a="1",b="2"}', '{b="2",a="1"}', '{le="0.5"}',
		'{le="+Inf"}', '{quantile="0.9"}', '{a="\\"}"}', '{a="\\\\"}', '{a="x y"}', '{a="\\n"}', ' ', '\t', ' 1', ' 2.5', ' NaN', ' x', ' 1 1700000000000',
		' 1 1700000000.5', ' 1 # {t="1"} 2', '"', '\\', ',', '=', '# TYPE m counter', '# TYPE h histogram', '# TYPE m gauge', '# HELP m h', '# EOF', '$'
	);
	const line = fc.array(fragment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''));
	const exposition = fc.array(line, { maxLength: 12 }).map((lines) => `${lines.join('\n')}\n`);

	it('gives what a parse without a cache gives, scrape after scrape (property)', () => {
		fc.assert(
			fc.property(fc.array(exposition, { minLength: 1, maxLength: 4 }), fc.constantFrom<ExpositionFormat>('prometheus-text', 'openmetrics'), (scrapes, format) => {
				const cache = new ScrapeCache();
				for (const text of scrapes) {
					// Each scrape twice, so that the second meets every text the first cached.
					for (let k = 0; k < 2; k++) expect(plain(parseExposition(text, format, cache))).toEqual(parseExposition(text, format));
				}
			}),
			{ numRuns: 400 }
		);
	});
});
