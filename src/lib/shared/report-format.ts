/** How the incident and report pages write durations, times and shares. */

/** "4 min 10 s", "2 h 5 min", "3 d 4 h"; "–" for none. */
export function formatDuration(ms: number | null | undefined): string {
	if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
	const s = Math.round(ms / 1000);
	if (s < 60) return `${s} s`;
	const m = Math.floor(s / 60);
	if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
	const h = Math.floor(m / 60);
	if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
	const d = Math.floor(h / 24);
	return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "2026-07-14 09:05:12" in a time zone (UTC by default). */
export function formatTime(ms: number | null | undefined, zone = 'UTC'): string {
	if (ms === null || ms === undefined) return '–';
	const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
	const v = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
	return `${v('year')}-${v('month')}-${v('day')} ${v('hour')}:${v('minute')}:${v('second')}`;
}

/** 0.99957 -> "99.957 %"; "–" for none. */
export function formatPercent(x: number | null | undefined, digits = 3): string {
	if (x === null || x === undefined || !Number.isFinite(x)) return '–';
	return `${(x * 100).toFixed(digits)} %`;
}
