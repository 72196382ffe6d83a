/**
 * prometheus: scrapes a `/metrics` endpoint in the Prometheus text format 0.0.4, or OpenMetrics
 * when the server offers it.
 *
 * Config: `url`, `keep` and `drop` (metric-name patterns like "shop_.*", or selectors like
 * 'http_request_duration_seconds_bucket{service="checkout"}'; a sample is kept when it matches a
 * `keep` entry, or `keep` is empty, and no `drop` entry), `instance` (default: the URL's
 * host:port), `quantiles` (e.g. [0.5, 0.95, 0.99]: also store each histogram's quantiles as
 * `<name>_quantile{quantile}`), `quantileWindow` (default 5m: the quantiles are those of the
 * observations of the last 5 minutes, `histogram_quantile(q, rate(<name>_bucket[5m]))`; see
 * histogram-window.ts), `quantileBy` (labels: sum the buckets of the series that share them first,
 * `histogram_quantile(q, sum by (le, <labels>) (rate(...)))`; default each series on its own),
 * `honorTimestamps` (default false: every sample is stamped with the scrape time), `headers`,
 * `verifyTls`, `maxBodyBytes` (default 10 MiB).
 *
 * Counters are stored as counters (rate is a query concern) and histograms as their buckets, so
 * `histogram_quantile` works on them later. Labels of the exposition that clash with the target's
 * labels (target, instance, and the configured ones) are kept as `exported_<label>`, as
 * Prometheus does. A malformed exposition fails the scrape with the first problems named; a
 * repeated series is reported in scrape_duplicate_series and its second sample ignored.
 *
 * Series besides the scraped ones: scrape_samples_scraped, scrape_samples_kept,
 * scrape_duplicate_series.
 *
 * Each target keeps a scrape cache (exposition/cache.ts): a sample line whose series text was in
 * one of the last two scrapes is not parsed again, and what this source works out per series (the
 * keep/drop verdict, the final labels with the target's, the series id) is kept with the cache
 * entry, so a steady scrape costs per sample a lookup, a float parse and one small object. The
 * samples are returned labelled (CollectResult.labelled).
 */
import { z } from 'zod';
import { bucketQuantile } from '../../src/lib/shared/histogram';
import { zDuration, formatDuration } from '../../src/lib/shared/duration';
import { LABEL_NAME, seriesId, type Labels, type Sample } from '../../src/lib/shared/series';
import { matchesAll, parseSelector, type Matcher } from '../../src/lib/server/tsdb';
import { collectorBlock, targetOf } from '../common';
import { HistogramWindows } from './histogram-window';
import { ScrapeCache, type CachedSeries } from '../exposition/cache';
import { formatFromContentType, parseExposition, SCRAPE_ACCEPT, type MetricFamily, type ParsedSample } from '../exposition/parse';
import { httpRequestWithGuard } from '../net/http-client';
import type { MetricMetadata, SourceDefinition } from '../types';

/** A keep/drop entry: a selector when it has braces, else an anchored pattern on the metric name. */
const filterEntry = z.string().min(1).transform((text, ctx): Matcher[] => {
	try {
		return text.includes('{') ? parseSelector(text) : [{ name: '__name__', op: '=~', value: text }];
	} catch (err) {
		ctx.addIssue({ code: 'custom', message: (err as Error).message });
		return z.NEVER;
	}
}).refine((m) => {
	try {
		matchesAll({ __name__: 'x' }, m);
		return true;
	} catch {
		return false;
	}
}, 'expected a metric-name pattern or a selector');

const schema = collectorBlock('prometheus', {
	url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
	keep: z.array(filterEntry).default([]),
	drop: z.array(filterEntry).default([]),
	instance: z.string().min(1).optional(),
	quantiles: z.array(z.number().min(0).max(1)).default([]),
	quantileWindow: zDuration({ min: 1000, max: 3_600_000 }).default(300_000),
	quantileBy: z
		.array(z.string().regex(LABEL_NAME, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*').refine((l) => l !== 'le', '"le" is always kept: leave it out'))
		.min(1, 'name at least one label, or leave quantileBy out to keep each series on its own')
		.optional(),
	honorTimestamps: z.boolean().default(false),
	headers: z.record(z.string(), z.string()).default({}),
	verifyTls: z.boolean().default(true),
	maxBodyBytes: z.number().int().min(1024).max(1 << 30).default(10 * 1024 * 1024)
}).superRefine((c, ctx) => {
	// A rate needs two scrapes within the window.
	if (c.quantiles.length > 0 && c.quantileWindow < 2 * c.interval) {
		ctx.addIssue({
			code: 'custom',
			path: ['quantileWindow'],
			message: `must hold at least two scrapes: at least twice the interval (${formatDuration(2 * c.interval)}), got ${formatDuration(c.quantileWindow)}`
		});
	}
});

type Config = z.output<typeof schema>;

function kept(config: Config, family: MetricFamily, name: string, labels: Record<string, string>): boolean {
	if (config.keep.length === 0 && config.drop.length === 0) return true;
	const asSample = { ...labels, __name__: name };
	const asFamily = { ...labels, __name__: family.name };
	const hit = (filters: Matcher[][]) => filters.some((m) => matchesAll(asSample, m) || matchesAll(asFamily, m));
	return (config.keep.length === 0 || hit(config.keep)) && !hit(config.drop);
}

/** What the source works out once per series text and keeps in the scrape cache. */
interface Derived {
	/** The family the verdict was reached for (a TYPE line may move a sample name to another). */
	family: string;
	kept: boolean;
	/** Final labels: the exposition's (clashes renamed) with the target's; frozen. */
	labels: Labels;
	/** seriesId(name, labels). */
	id: string;
}

/**
 * Quantiles of each gauge histogram series as it is now (buckets grouped by their labels without
 * `le`): its buckets are gauges, the current distribution, so there is no window to take.
 */
function gaugeQuantiles(family: MetricFamily, qs: number[], now: number, rename: (l: Record<string, string>) => Record<string, string>): Sample[] {
	const groups = new Map<string, { labels: Record<string, string>; buckets: Array<{ le: number; count: number }> }>();
	for (const s of family.samples) {
		if (s.name !== `${family.name}_bucket` || s.labels.le === undefined) continue;
		const { le, ...rest } = s.labels;
		const key = JSON.stringify(Object.entries(rest).sort());
		let g = groups.get(key);
		if (!g) groups.set(key, (g = { labels: rest, buckets: [] }));
		g.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: s.value });
	}
	const out: Sample[] = [];
	for (const g of groups.values()) {
		for (const q of qs) {
			out.push({ name: `${family.name}_quantile`, labels: { ...rename(g.labels), quantile: String(q) }, ts: now, value: bucketQuantile(q, g.buckets) });
		}
	}
	return out;
}

/**
 * How a target's samples get their final labels (the exposition's, clashes renamed, with the
 * target's, which win as the scheduler would add them) and series id: `derive` for a scraped
 * series, once per series (kept with its scrape cache entry); `labelled` for the few samples made
 * per scrape (quantiles, scrape_samples_*).
 */
function seriesLabelling(config: Config, targetLabels: Labels, rename: (l: Labels) => Labels) {
	const labelled = (sample: Sample): Sample => {
		sample.labels = Object.assign({}, sample.labels, targetLabels);
		sample.id = seriesId(sample.name, sample.labels);
		return sample;
	};
	/** The verdict, final labels and id of a scraped series: from its cache entry when it has one, else worked out. */
	const derive = (family: MetricFamily, s: ParsedSample): Derived => {
		const entry: CachedSeries | undefined = s.series;
		const known = entry?.derived as Derived | undefined;
		if (known !== undefined && known.family === family.name) return known;
		const labels = Object.freeze(Object.assign({}, rename(s.labels), targetLabels));
		const d: Derived = { family: family.name, kept: kept(config, family, s.name, s.labels), labels, id: seriesId(s.name, labels) };
		if (entry !== undefined) entry.derived = d;
		return d;
	};
	return { labelled, derive };
}

export const prometheusSource: SourceDefinition<typeof schema> = {
	kind: 'prometheus',
	summary: 'scrape a /metrics endpoint (Prometheus text 0.0.4 or OpenMetrics)',
	schema,
	create(config, deps) {
		const url = new URL(config.url);
		const instance = config.instance ?? url.host;
		const target = targetOf(config, async () => ({ samples: [] }));
		const targetLabels = { ...target.labels, instance };
		/** Labels of the exposition that clash with the target's are kept as exported_<label>. */
		const rename = (l: Record<string, string>) => {
			let clash = false;
			for (const k in l) if (k in targetLabels) clash = true;
			if (!clash) return l;
			const out: Record<string, string> = {};
			for (const [k, v] of Object.entries(l)) out[k in targetLabels ? `exported_${k}` : k] = v;
			return out;
		};
		const windows = new HistogramWindows({ windowMs: config.quantileWindow, intervalMs: config.interval, by: config.quantileBy });
		const cache = new ScrapeCache();
		const { labelled, derive } = seriesLabelling(config, targetLabels, rename);
		return {
			...target,
			labels: targetLabels,
			async collect({ signal, now }) {
				const res = await httpRequestWithGuard({
					url: config.url,
					headers: { accept: SCRAPE_ACCEPT, ...config.headers },
					signal,
					policy: deps.addressPolicy,
					gzip: true,
					verifyTls: config.verifyTls,
					maxBodyBytes: config.maxBodyBytes
				});
				if (res.status < 200 || res.status > 299) throw new Error(`the scrape answered HTTP ${res.status}`);
				const parsed = parseExposition(res.body, formatFromContentType(String(res.headers['content-type'] ?? '')), cache);
				if (parsed.problems.length) {
					const first = parsed.problems.slice(0, 3).map((p) => `line ${p.line}: ${p.message}`);
					throw new Error(`the exposition has ${parsed.problems.length} problem(s): ${first.join('; ')}`);
				}
				const samples: Sample[] = [];
				const metadata: MetricMetadata[] = [];
				let scraped = 0;
				const histograms: MetricFamily[] = [];
				for (const family of parsed.families) {
					metadata.push({ metric: family.name, type: family.type, help: family.help ?? '', unit: family.unit ?? '' });
					for (const s of family.samples) {
						scraped++;
						const d = derive(family, s);
						if (!d.kept) continue;
						// Every field the sample will have, at once: one added later (the scheduler's intervalMs) would grow it.
						samples.push({ name: s.name, labels: d.labels, ts: config.honorTimestamps && s.timestampMs !== undefined ? s.timestampMs : now, value: s.value, intervalMs: config.interval, id: d.id });
					}
					if (config.quantiles.length && kept(config, family, family.name, {})) {
						if (family.type === 'histogram') histograms.push(family);
						else if (family.type === 'gaugehistogram') for (const q of gaugeQuantiles(family, config.quantiles, now, rename)) samples.push(labelled(q));
					}
				}
				if (config.quantiles.length) {
					for (const q of windows.scrape(now, histograms, config.quantiles)) {
						samples.push(labelled({ name: `${q.family}_quantile`, labels: { ...rename(q.labels), quantile: String(q.quantile) }, ts: now, value: q.value }));
					}
				}
				const keptCount = samples.length;
				samples.push(
					labelled({ name: 'scrape_samples_scraped', labels: {}, ts: now, value: scraped }),
					labelled({ name: 'scrape_samples_kept', labels: {}, ts: now, value: keptCount }),
					labelled({ name: 'scrape_duplicate_series', labels: {}, ts: now, value: parsed.duplicates.length })
				);
				return { samples, metadata, labelled: true };
			}
		};
	}
};
