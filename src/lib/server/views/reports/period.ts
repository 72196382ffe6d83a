/**
 * Report periods: a calendar month or quarter in a time zone, or a custom range; the period
 * before it; its days and weeks in the zone (a day of a daylight-saving change is 23 or 25 hours
 * long). Pure.
 */
import { canonicalZone, fromLocal, toLocal } from '../../alerting/muting';

export type PeriodKind = 'month' | 'quarter' | 'custom';

export interface Period {
	kind: PeriodKind;
	/** "2026-07" (month), "2026-Q3" (quarter), or "custom". */
	label: string;
	zone: string;
	/** Epoch ms, [from, to). */
	from: number;
	to: number;
}

const DAY = 86_400_000;

function ymd(local: number): { y: number; m: number; d: number } {
	const t = new Date(local);
	return { y: t.getUTCFullYear(), m: t.getUTCMonth(), d: t.getUTCDate() };
}

function startOfLocal(zone: string, y: number, m: number, d = 1): number {
	return fromLocal(zone, Date.UTC(y, m, d));
}

export function monthPeriod(zone: string, year: number, month0: number): Period {
	const from = startOfLocal(zone, year, month0);
	const to = startOfLocal(zone, year, month0 + 1);
	return { kind: 'month', label: `${year}-${String(month0 + 1).padStart(2, '0')}`, zone, from, to };
}

export function quarterPeriod(zone: string, year: number, quarter: number): Period {
	const from = startOfLocal(zone, year, (quarter - 1) * 3);
	const to = startOfLocal(zone, year, quarter * 3);
	return { kind: 'quarter', label: `${year}-Q${quarter}`, zone, from, to };
}

/** Reads "2026-07" or "2026-Q3" in a zone; null when it is neither. */
export function parsePeriodLabel(text: string, zone: string): Period | null {
	let m = /^(\d{4})-(\d{2})$/.exec(text);
	if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return monthPeriod(zone, Number(m[1]), Number(m[2]) - 1);
	m = /^(\d{4})-Q([1-4])$/i.exec(text);
	if (m) return quarterPeriod(zone, Number(m[1]), Number(m[2]));
	return null;
}

export function checkZone(zone: string): string | null {
	return canonicalZone(zone);
}

/** The period of the same kind and length just before. */
export function previousPeriod(p: Period): Period {
	const { y, m } = ymd(toLocal(p.zone, p.from));
	if (p.kind === 'month') return monthPeriod(p.zone, m === 0 ? y - 1 : y, (m + 11) % 12);
	if (p.kind === 'quarter') {
		const q = Math.floor(m / 3) + 1;
		return q === 1 ? quarterPeriod(p.zone, y - 1, 4) : quarterPeriod(p.zone, y, q - 1);
	}
	const len = p.to - p.from;
	return { ...p, label: 'custom', from: p.from - len, to: p.from };
}

/** The month (or quarter) holding `at`, and the one before: handy defaults. */
export function currentPeriod(kind: 'month' | 'quarter', zone: string, at: number): Period {
	const { y, m } = ymd(toLocal(zone, at));
	return kind === 'month' ? monthPeriod(zone, y, m) : quarterPeriod(zone, y, Math.floor(m / 3) + 1);
}

export interface Span {
	/** "2026-07-14" (a day) or the week's first day. */
	label: string;
	from: number;
	to: number;
}

/** The local days of a period (the first and last cut to it). */
export function daysOf(p: Pick<Period, 'zone' | 'from' | 'to'>): Span[] {
	const out: Span[] = [];
	const first = ymd(toLocal(p.zone, p.from));
	for (let i = 0; ; i++) {
		const start = fromLocal(p.zone, Date.UTC(first.y, first.m, first.d + i));
		if (start >= p.to) break;
		const end = fromLocal(p.zone, Date.UTC(first.y, first.m, first.d + i + 1));
		const local = ymd(Date.UTC(first.y, first.m, first.d + i));
		out.push({ label: `${local.y}-${String(local.m + 1).padStart(2, '0')}-${String(local.d).padStart(2, '0')}`, from: Math.max(start, p.from), to: Math.min(end, p.to) });
		if (i > 400 * 5) break;
	}
	return out;
}

/** Weeks (Monday to Monday, local) of a period, the first and last cut to it. */
export function weeksOf(p: Pick<Period, 'zone' | 'from' | 'to'>): Span[] {
	const days = daysOf(p);
	const out: Span[] = [];
	for (const d of days) {
		const [y, m, dd] = d.label.split('-').map(Number) as [number, number, number];
		const monday = new Date(Date.UTC(y, m - 1, dd)).getUTCDay() === 1;
		if (out.length === 0 || monday) out.push({ label: d.label, from: d.from, to: d.to });
		else out[out.length - 1]!.to = d.to;
	}
	return out;
}

export const MAX_CUSTOM_SPAN = 2 * 366 * DAY;
