/**
 * A per-target scrape cache, as Prometheus keeps one: the raw series text of a sample line (its bytes
 * before the value, e.g. `http_requests_total{code="200",method="get"}`) maps to what parsing it gave
 * last time, so a line seen in a recent scrape costs a hash over its text and a lookup instead of a
 * label parse, fresh strings and a fresh label object. The cached name and labels (frozen: every
 * scrape shares them) are what the full parse gave, because the series text alone decides them;
 * everything that depends on the rest of the exposition (families, types, duplicates, ordering) is
 * still checked per sample by the parser.
 *
 * Entries not seen in the last `keepScrapes` scrapes are dropped when a scrape ends, and at most
 * `maxEntries` are held: past that, new series are parsed in full and not cached (never wrong, only
 * slower).
 */
/** What the cache knows of one raw series text. */
export interface CachedSeries {
	/** The raw series text, as the line spelled it. */
	readonly text: string;
	readonly name: string;
	/** Frozen: shared by every scrape that meets this text. */
	readonly labels: Readonly<Record<string, string>>;
	/** Whether the text has a label set (braces). */
	readonly braced: boolean;
	/** The parser's order-independent hash of name and labels, for its duplicate check. */
	readonly seriesHash: number;
	/** The scrape that last met it. */
	seen: number;
	/**
	 * What the scraper works out from the series once (its final labels, its series id, whether its
	 * filters keep it); the cache holds it for the scraper and drops it with the entry.
	 */
	derived: unknown;
}

/** Default bound of one target's cache: ten times a large exporter's 10,000 series. */
export const DEFAULT_CACHE_ENTRIES = 100_000;

export class ScrapeCache {
	/** Entries by a hash of their raw text; colliding texts share an array. */
	private readonly byHash = new Map<number, CachedSeries | CachedSeries[]>();
	private count = 0;
	private scrape = 0;
	private format: string | undefined;

	constructor(
		readonly maxEntries = DEFAULT_CACHE_ENTRIES,
		readonly keepScrapes = 2
	) {}

	/** Series held. */
	get size(): number {
		return this.count;
	}

	/** Starts a scrape. A different format parses texts differently (blanks, escapes), so it empties the cache. */
	begin(format: string): void {
		if (format !== this.format) this.clear();
		this.format = format;
		this.scrape++;
	}

	/** Ends a scrape: drops the entries no scrape of the last `keepScrapes` met. */
	end(): void {
		const oldest = this.scrape - this.keepScrapes + 1;
		// forEach, not for-of: an entries iterator makes a pair per entry, a scrape's worth of garbage.
		this.byHash.forEach((held, hash) => {
			if (!Array.isArray(held)) {
				if (held.seen < oldest) {
					this.byHash.delete(hash);
					this.count--;
				}
				return;
			}
			const kept = held.filter((entry) => entry.seen >= oldest);
			this.count -= held.length - kept.length;
			if (kept.length === 0) this.byHash.delete(hash);
			else if (kept.length !== held.length) this.byHash.set(hash, kept.length === 1 ? kept[0]! : kept);
		});
	}

	clear(): void {
		this.byHash.clear();
		this.count = 0;
	}

	/** The entry whose text is src[s, e) (hashed to `hash`), marked seen by this scrape; undefined when none. */
	lookup(src: string, s: number, e: number, hash: number): CachedSeries | undefined {
		const held = this.byHash.get(hash);
		if (held === undefined) return undefined;
		if (!Array.isArray(held)) return sameText(held.text, src, s, e) ? seen(held, this.scrape) : undefined;
		for (const entry of held) if (sameText(entry.text, src, s, e)) return seen(entry, this.scrape);
		return undefined;
	}

	/**
	 * Caches what a full parse of a raw text gave; freezes `labels`. Undefined, and nothing cached, when
	 * the cache is full.
	 */
	add(text: string, hash: number, name: string, labels: Record<string, string>, braced: boolean, seriesHash: number): CachedSeries | undefined {
		if (this.count >= this.maxEntries) return undefined;
		const entry: CachedSeries = { text, name, labels: Object.freeze(labels), braced, seriesHash, seen: this.scrape, derived: undefined };
		const held = this.byHash.get(hash);
		if (held === undefined) this.byHash.set(hash, entry);
		else if (Array.isArray(held)) held.push(entry);
		else this.byHash.set(hash, [held, entry]);
		this.count++;
		return entry;
	}
}

function seen(entry: CachedSeries, scrape: number): CachedSeries {
	entry.seen = scrape;
	return entry;
}

/** Whether `text` equals src[s, e), compared in place (no slice). */
function sameText(text: string, src: string, s: number, e: number): boolean {
	if (text.length !== e - s) return false;
	for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) !== src.charCodeAt(s + k)) return false;
	return true;
}
