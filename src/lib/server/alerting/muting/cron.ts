/**
 * Five-field cron expressions, as crontab(5) writes them: `minute hour day-of-month month
 * day-of-week`, each a `*`, a number, a range `a-b`, a step (`/n` after `*`, a range or a start:
 * every n-th value from there), or a comma list of those. Months and days of the week may be
 * names (`jan`, `mon-fri`); day of week 0 or 7 is Sunday (so `fri-sun` is a range). `@yearly`,
 * `@monthly`, `@weekly`, `@daily` and `@hourly` stand for their usual lines.
 *
 * As in Vixie cron, when both day-of-month and day-of-week are restricted (neither starts with
 * `*`), a day matches when either does (`0 3 1 * mon`: the 1st of each month and every Monday).
 *
 * Pure calendar logic: `matchesDay` and `times` work on local dates; the maintenance schedule turns
 * them into instants in a time zone.
 */

export class CronError extends Error {
	override name = 'CronError';
}

export interface Cron {
	/** The expression as given (trimmed). */
	text: string;
	/** Minutes of the day (hour * 60 + minute) it fires at, ascending. */
	times: readonly number[];
	/** Whether it fires on a local date (month 1-12, day 1-31, weekday 0 = Sunday). */
	matchesDay(month: number, day: number, weekday: number): boolean;
}

interface Field {
	name: string;
	min: number;
	max: number;
	names?: readonly string[];
}

const FIELDS: readonly Field[] = [
	{ name: 'minute', min: 0, max: 59 },
	{ name: 'hour', min: 0, max: 23 },
	{ name: 'day-of-month', min: 1, max: 31 },
	{ name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
	{ name: 'day-of-week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] }
];

const MACROS: Record<string, string> = {
	'@yearly': '0 0 1 1 *',
	'@annually': '0 0 1 1 *',
	'@monthly': '0 0 1 * *',
	'@weekly': '0 0 * * 0',
	'@daily': '0 0 * * *',
	'@midnight': '0 0 * * *',
	'@hourly': '0 * * * *'
};

function value(text: string, f: Field): number {
	if (/^\d{1,2}$/.test(text)) {
		const n = Number(text);
		if (n < f.min || n > f.max) throw new CronError(`${f.name}: ${n} is out of range ${f.min}-${f.max}`);
		return n;
	}
	const i = f.names?.indexOf(text.toLowerCase()) ?? -1;
	if (i < 0) {
		const hint = f.names ? ` (a number ${f.min}-${f.max} or a name such as ${f.names[1]})` : ` (a number ${f.min}-${f.max})`;
		throw new CronError(`${f.name}: ${JSON.stringify(text)} is not a value${hint}`);
	}
	return i + (f.name === 'month' ? 1 : 0);
}

function parseField(text: string, f: Field): Set<number> {
	const out = new Set<number>();
	for (const item of text.split(',')) {
		if (item === '') throw new CronError(`${f.name}: empty item in ${JSON.stringify(text)}`);
		const m = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(item);
		if (!m) throw new CronError(`${f.name}: cannot read ${JSON.stringify(item)}`);
		const step = m[2] === undefined ? 1 : Number(m[2]);
		if (step < 1) throw new CronError(`${f.name}: the step of ${JSON.stringify(item)} must be at least 1`);
		let lo: number;
		let hi: number;
		if (m[1] === '*') {
			lo = f.min;
			hi = f.max;
		} else {
			const dash = m[1]!.indexOf('-');
			if (dash < 0) {
				lo = value(m[1]!, f);
				// `5/15` means from 5 to the end, every 15.
				hi = m[2] === undefined ? lo : f.max;
			} else {
				lo = value(m[1]!.slice(0, dash), f);
				hi = value(m[1]!.slice(dash + 1), f);
				// `sat-sun` (6-0): a range of days of the week may end on Sunday as 7.
				if (f.name === 'day-of-week' && hi === 0 && lo > 0) hi = 7;
				if (hi < lo) throw new CronError(`${f.name}: the range ${JSON.stringify(m[1])} runs backwards`);
			}
		}
		for (let v = lo; v <= hi; v += step) out.add(f.name === 'day-of-week' && v === 7 ? 0 : v);
	}
	return out;
}

/** Parses a cron expression; throws CronError naming the field and the problem. */
export function parseCron(input: string): Cron {
	if (typeof input !== 'string') throw new CronError('expected a cron expression such as "0 2 * * sun"');
	const text = input.trim();
	const expanded = text.startsWith('@') ? MACROS[text.toLowerCase()] : text;
	if (expanded === undefined) throw new CronError(`unknown macro ${JSON.stringify(text)}: use one of ${Object.keys(MACROS).join(', ')}`);
	const parts = expanded.split(/\s+/);
	if (parts.length !== 5) {
		throw new CronError(`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
	}
	const [min, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]!));
	const domAny = parts[2]!.startsWith('*');
	const dowAny = parts[4]!.startsWith('*');
	const times: number[] = [];
	for (const h of [...hour!].sort((a, b) => a - b)) for (const m of [...min!].sort((a, b) => a - b)) times.push(h * 60 + m);
	return {
		text,
		times,
		matchesDay(mo, d, wd) {
			if (!month!.has(mo)) return false;
			if (domAny || dowAny) return dom!.has(d) && dow!.has(wd);
			return dom!.has(d) || dow!.has(wd);
		}
	};
}
