/** Formatting for screens read from across the room: short, fixed-width where it matters. */

/** "0.4 s", "12 s", "3 min", "2 h", "5 d". */
export function formatAge(ms: number): string {
	const s = Math.max(0, ms) / 1000;
	if (s < 10) return `${s.toFixed(1)} s`;
	if (s < 60) return `${Math.floor(s)} s`;
	if (s < 3600) return `${Math.floor(s / 60)} min`;
	if (s < 86_400) return `${Math.floor(s / 3600)} h`;
	return `${Math.floor(s / 86_400)} d`;
}

/** A value with thousands separators and at most `digits` decimals; "—" when there is none. */
export function formatValue(v: number | null, digits = 2): string {
	if (v === null || !Number.isFinite(v)) return '—';
	return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** Data older than this many intervals is stale: not fresh, but not down either. */
export const STALE_AFTER_INTERVALS = 2;

export type Freshness = 'fresh' | 'stale' | 'none';

export function freshness(ageMs: number | null, intervalMs: number): Freshness {
	if (ageMs === null) return 'none';
	return ageMs > STALE_AFTER_INTERVALS * intervalMs ? 'stale' : 'fresh';
}

/** `demo_orders_per_minute` -> "Demo orders per minute". */
export function humanizeMetric(name: string): string {
	const words = name.replace(/[_:]+/g, ' ').trim();
	return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A value in its unit, for a tile: `up` reads UP/DOWN, seconds below 1 read as ms, `%` and other
 * units follow the number. Returns the text and a tone for the tile's colour.
 */
export function formatWithUnit(v: number | null, unit: string | undefined): { text: string; suffix: string; tone: 'ok' | 'crit' | 'none' } {
	if (v === null || !Number.isFinite(v)) {
		if (v !== null && v === Infinity) return { text: '∞', suffix: unit === 's' ? 's' : (unit ?? ''), tone: 'none' };
		return { text: '—', suffix: '', tone: 'none' };
	}
	if (unit === 'up') return v >= 1 ? { text: 'UP', suffix: '', tone: 'ok' } : { text: 'DOWN', suffix: '', tone: 'crit' };
	if (unit === 's') return v !== 0 && Math.abs(v) < 1 ? { text: formatValue(v * 1000, 0), suffix: 'ms', tone: 'none' } : { text: formatValue(v, 2), suffix: 's', tone: 'none' };
	if (unit === '%') return { text: formatValue(v * 100, 2), suffix: '%', tone: 'none' };
	return { text: formatValue(v), suffix: unit ?? '', tone: 'none' };
}

/** A compact number for tiles: 1.2k, 3.4M; small values keep up to `digits` decimals. */
export function formatCompact(v: number | null, digits = 1): string {
	if (v === null || !Number.isFinite(v)) return '—';
	const a = Math.abs(v);
	if (a >= 1e9) return `${(v / 1e9).toFixed(digits)}G`;
	if (a >= 1e6) return `${(v / 1e6).toFixed(digits)}M`;
	if (a >= 1e4) return `${(v / 1e3).toFixed(digits)}k`;
	return formatValue(v, a < 10 ? 2 : digits);
}

/** A duration in seconds as a short text: "45 s", "12 min", "3.5 h". */
export function formatSeconds(s: number | null): string {
	if (s === null || !Number.isFinite(s)) return '—';
	if (s < 60) return `${Math.round(s)} s`;
	if (s < 3600) return `${Math.round(s / 60)} min`;
	if (s <= 48 * 3600) return `${Number((s / 3600).toFixed(1))} h`;
	return `${(s / 86_400).toFixed(1)} d`;
}
