/** Label-set helpers: canonical text, fingerprints, comparison. */
import type { Labels } from '../../shared/series';

/** Canonical text of a label set: sorted `name="value"` pairs, values JSON-escaped. */
export function canonicalLabels(labels: Labels): string {
	const keys = Object.keys(labels).sort();
	let out = '{';
	for (let i = 0; i < keys.length; i++) {
		if (i) out += ',';
		out += `${keys[i]}=${JSON.stringify(labels[keys[i]!])}`;
	}
	return out + '}';
}

const cache = new Map<string, string>();

/** A stable 64-bit FNV-1a hash of the canonical label text, as 16 hex digits. */
export function fingerprintOf(labels: Labels): string {
	const text = canonicalLabels(labels);
	let fp = cache.get(text);
	if (fp !== undefined) return fp;
	let h1 = 0x811c9dc5;
	let h2 = 0xcbf29ce4;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
		h2 = Math.imul(h2 ^ c ^ (h1 >>> 16), 0x0100019d) >>> 0;
	}
	fp = h2.toString(16).padStart(8, '0') + h1.toString(16).padStart(8, '0');
	if (cache.size > 50_000) cache.clear();
	cache.set(text, fp);
	return fp;
}

export function withoutName(labels: Labels): Labels {
	if (!('__name__' in labels)) return labels;
	const out: Labels = {};
	for (const k of Object.keys(labels)) if (k !== '__name__') out[k] = labels[k]!;
	return out;
}

export function labelsEqual(a: Labels, b: Labels): boolean {
	const ka = Object.keys(a);
	if (ka.length !== Object.keys(b).length) return false;
	for (const k of ka) if (a[k] !== b[k]) return false;
	return true;
}

/** Label comparison, printing and Go quoting are the PromQL engine's: one definition of each. */
export { compareLabels, formatLabels, goQuote } from '../promql';
