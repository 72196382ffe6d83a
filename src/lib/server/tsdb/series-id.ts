/** Series ids: 11 characters of base64url SHA-1 (66 bits) of the canonical series text. */
import { createHash } from 'node:crypto';
import { seriesId, type Labels } from '../../shared/series';

const cache = new Map<string, string>();

/** The series id; pass `canonical` (seriesId(name, labels)) when it is already at hand. */
export function sidOf(name: string, labels: Labels, canonical = seriesId(name, labels)): string {
	let sid = cache.get(canonical);
	if (!sid) {
		sid = createHash('sha1').update(canonical).digest('base64url').slice(0, 11);
		if (cache.size > 100_000) cache.clear();
		cache.set(canonical, sid);
	}
	return sid;
}

/** Labels without empty values, plus `__name__`: the form results carry. */
export function fullLabels(name: string, labels: Labels): Labels {
	const out: Labels = { __name__: name };
	for (const k of Object.keys(labels).sort()) if (labels[k] !== '') out[k] = labels[k]!;
	return out;
}
