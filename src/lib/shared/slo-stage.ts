/**
 * Staged targets: a target has the level in force now and, optionally, a next stage, a stricter
 * level in force from a given day on (`next: { threshold | target, from: 'YYYY-MM-DD' }`, the day
 * in the reports' time zone). Before that day's local midnight the current level judges; from it
 * on, the next one. Pure: the caller turns the day into epoch ms (it knows the zone).
 */

export type Op = '<' | '<=' | '>' | '>=';

export function meets(value: number, op: Op, threshold: number): boolean {
	switch (op) {
		case '<':
			return value < threshold;
		case '<=':
			return value <= threshold;
		case '>':
			return value > threshold;
		case '>=':
			return value >= threshold;
	}
}

/** "2027-07-01" → { y, m0, d } when it is a real calendar day, else null. */
export function parseDay(text: string): { y: number; m0: number; d: number } | null {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
	if (!m) return null;
	const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
	const t = new Date(Date.UTC(y, mo, d));
	if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo || t.getUTCDate() !== d) return null;
	return { y, m0: mo, d };
}

/** Whether `next` is stricter than `current` under `op` (lower for < and <=, higher for > and >=). */
export function stricter(op: Op, current: number, next: number): boolean {
	return op === '<' || op === '<=' ? next < current : next > current;
}

/**
 * What is wrong with a next stage, as the config error's text (the caller names the field), or
 * null. `field` is the level's key (`threshold` for reports, `target` for boards).
 */
export function stageProblems(op: Op, current: number, next: { level: number; from: string }, field: string): Array<{ path: string; message: string }> {
	const out: Array<{ path: string; message: string }> = [];
	if (parseDay(next.from) === null) out.push({ path: 'from', message: 'not a date (YYYY-MM-DD)' });
	if (!stricter(op, current, next.level))
		out.push({ path: field, message: `${next.level} is not stricter than the current ${field} ${current} under "${op}" (a next stage must be ${op === '<' || op === '<=' ? 'lower' : 'higher'})` });
	return out;
}

/** A next stage with its start resolved: the level, the day as written, and that day's local midnight (epoch ms). */
export interface Stage {
	level: number;
	from: string;
	fromMs: number;
}

/** The level in force at `t`: the next stage's from its start on, else the current one. */
export function levelAt(current: number, stage: Stage | undefined, t: number): number {
	return stage && t >= stage.fromMs ? stage.level : current;
}

/**
 * How far a value is from meeting a level, in the value's unit: > 0 short by that much, 0 or less
 * meets it (by that margin). For `>=`/`>` it is level − value; for `<=`/`<` value − level.
 */
export function shortfall(op: Op, value: number, level: number): number {
	return op === '<' || op === '<=' ? value - level : level - value;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2027-07-01" → "1 Jul 2027", or "Jul 2027" when short and the 1st; the text itself when it is not a day. */
export function dayText(day: string, short = false): string {
	const p = parseDay(day);
	if (!p) return day;
	return short && p.d === 1 ? `${MONTHS[p.m0]} ${p.y}` : `${p.d} ${MONTHS[p.m0]} ${p.y}`;
}
