/**
 * Quarters of the quality report. A quarter is named `YYYY-Qn` (`2026-Q4`: October, November and
 * December 2026) and starts at local midnight on 1 January, April, July or October in the reports'
 * time zone (`reports.timeZone`), as the reports' and scorecards' quarters do (one period code:
 * views/reports/period.ts). A quarter has ended once its last local day is over; only an ended
 * quarter may be published. Pure.
 */
import { currentPeriod, parsePeriodLabel, previousPeriod, type Period } from '../reports';

const QUARTER = /^(\d{4})-[Qq]([1-4])$/;

/** The quarter of a name in a zone, or the message naming what is wrong (`quarter: …`). */
export function parseQuarter(text: string, zone: string): { ok: true; value: Period } | { ok: false; error: string } {
	const m = QUARTER.exec(text);
	const year = m ? Number(m[1]) : NaN;
	if (!m || year < 1970 || year > 9999) return { ok: false, error: `quarter: expected a quarter like 2026-Q4 (year, then Q1 to Q4), got ${JSON.stringify(text.slice(0, 40))}` };
	return { ok: true, value: parsePeriodLabel(`${m[1]}-Q${m[2]}`, zone)! };
}

/** The quarter has ended at `now`: its end (the next quarter's local midnight) has passed. */
export function quarterEnded(q: Pick<Period, 'to'>, now: number): boolean {
	return now >= q.to;
}

/** The current quarter and the `count - 1` before it, newest first: the page's picker. */
export function recentQuarters(zone: string, now: number, count: number): string[] {
	const out: string[] = [];
	let p = currentPeriod('quarter', zone, now);
	for (let i = 0; i < count; i++, p = previousPeriod(p)) out.push(p.label);
	return out;
}

/** The quarter just ended at `now`: the one a report is usually asked for. */
export function lastEndedQuarter(zone: string, now: number): Period {
	return previousPeriod(currentPeriod('quarter', zone, now));
}

/** Compares quarter names by time ("2025-Q4" < "2026-Q1"); both must be valid names. */
export function compareQuarters(a: string, b: string): number {
	return a.toUpperCase() < b.toUpperCase() ? -1 : a.toUpperCase() > b.toUpperCase() ? 1 : 0;
}
