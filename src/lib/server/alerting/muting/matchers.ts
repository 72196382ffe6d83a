/**
 * Label matchers of silences and maintenance windows, with Alertmanager's semantics: `=`, `!=`,
 * `=~`, `!~`, regular expressions anchored at both ends and run on RE2 (the store's `matcherRegex`),
 * a missing label read as "". They come in three spellings, all stored as `{name, op, value}`:
 *
 * - text: `{service="payments", alertname=~"Pay.*"}` (braces optional; values quoted with `"`, `'`
 *   or a backtick, or bare words such as `service=payments`);
 * - an array of `{name, op, value}`;
 * - an array of Alertmanager API v2 matchers `{name, value, isRegex, isEqual}`.
 *
 * As Alertmanager does, a set whose every matcher also matches the empty string is refused: it
 * would mute every alert. Problems are `MutingInputError`s naming the field, e.g.
 * `matchers[1].value: invalid regular expression "(": ...`.
 */
import type { Labels } from '../../../shared/series';
import { LABEL_NAME, MAX_REGEX_LENGTH, matcherRegex, readMatcher, type Matcher, type MatchOp } from '../../tsdb';

export type { Matcher, MatchOp };

/** Most matchers one silence or window may hold. */
export const MAX_MATCHERS = 64;

/** A refused silence or maintenance window: `field` names what is wrong (`matchers[1].value`, `endsAt`). */
export class MutingInputError extends Error {
	override name = 'MutingInputError';
	constructor(
		readonly field: string,
		readonly problem: string
	) {
		super(`${field}: ${problem}`);
	}
}

/**
 * True for a MutingInputError. By name, not `instanceof`: the CLI and the web server may hold two
 * copies of the class (two bundles).
 */
export function isMutingInputError(err: unknown): err is MutingInputError {
	return err instanceof Error && err.name === 'MutingInputError';
}

const OPS: readonly MatchOp[] = ['=', '!=', '=~', '!~'];

/** A label-set test compiled from matchers. */
export type LabelTest = (labels: Labels) => boolean;

function valueTest(m: Matcher, field: string): (value: string) => boolean {
	if (m.op === '=') return (v) => v === m.value;
	if (m.op === '!=') return (v) => v !== m.value;
	let re: { test(value: string): boolean };
	try {
		re = matcherRegex(m.value);
	} catch (err) {
		throw new MutingInputError(`${field}.value`, (err as Error).message);
	}
	return m.op === '=~' ? (v) => re.test(v) : (v) => !re.test(v);
}

/** Compiles valid matchers into one test (regexes compiled once). */
export function compileMatchers(matchers: readonly Matcher[], field = 'matchers'): LabelTest {
	const tests = matchers.map((m, i) => ({ name: m.name, test: valueTest(m, `${field}[${i}]`) }));
	return (labels) => {
		for (const t of tests) if (!t.test(labels[t.name] ?? '')) return false;
		return true;
	};
}

function checkMatcher(m: Matcher, field: string): Matcher {
	if (!LABEL_NAME.test(m.name)) throw new MutingInputError(`${field}.name`, `${JSON.stringify(m.name.slice(0, 100))} is not a label name (letters, digits and _, not starting with a digit)`);
	if (m.value.length > MAX_REGEX_LENGTH) throw new MutingInputError(`${field}.value`, `${m.value.length} characters: at most ${MAX_REGEX_LENGTH} are allowed`);
	valueTest(m, field);
	return m;
}

/** Reads one element of a matcher array, in either object spelling. */
function matcherObject(raw: unknown, field: string): Matcher {
	if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new MutingInputError(field, 'expected {name, op, value} or {name, value, isRegex, isEqual}');
	const o = raw as Record<string, unknown>;
	for (const k of Object.keys(o)) {
		if (!['name', 'op', 'value', 'isRegex', 'isEqual'].includes(k)) throw new MutingInputError(`${field}.${k}`, 'unknown field');
	}
	if (typeof o.name !== 'string') throw new MutingInputError(`${field}.name`, 'expected a string');
	if (typeof o.value !== 'string') throw new MutingInputError(`${field}.value`, 'expected a string');
	let op: MatchOp;
	if (o.op !== undefined) {
		if (o.isRegex !== undefined || o.isEqual !== undefined) throw new MutingInputError(`${field}.op`, 'give either op or isRegex/isEqual, not both');
		if (!OPS.includes(o.op as MatchOp)) throw new MutingInputError(`${field}.op`, `expected one of ${OPS.join(', ')}, got ${JSON.stringify(o.op)}`);
		op = o.op as MatchOp;
	} else {
		if (typeof o.isRegex !== 'boolean') throw new MutingInputError(`${field}.isRegex`, 'expected true or false (or give op: "=", "!=", "=~" or "!~")');
		if (o.isEqual !== undefined && typeof o.isEqual !== 'boolean') throw new MutingInputError(`${field}.isEqual`, 'expected true or false');
		const equal = o.isEqual !== false;
		op = o.isRegex ? (equal ? '=~' : '!~') : equal ? '=' : '!=';
	}
	return checkMatcher({ name: o.name, op, value: o.value }, field);
}

/** Reads matcher text: `{a="1", b=~"x.*"}`, `a=1,b!=2`. */
function matcherText(text: string, field: string): Matcher[] {
	let i = 0;
	const out: Matcher[] = [];
	const fail = (problem: string): never => {
		throw new MutingInputError(field, `${problem} at position ${i + 1} of ${JSON.stringify(text.slice(0, 200))}`);
	};
	const ws = () => {
		while (i < text.length && /\s/.test(text[i]!)) i++;
	};
	ws();
	const lead = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text.slice(i));
	if (lead && !/^\s*(=|!=|=~|!~)/.test(text.slice(i + lead[0].length))) {
		throw new MutingInputError(
			field,
			`${JSON.stringify(lead[0])} is a bare metric name: alerts have no metric name, so match their labels instead, e.g. {alertname=${JSON.stringify(lead[0])}}`
		);
	}
	const braced = text[i] === '{';
	if (braced) i++;
	ws();
	while (i < text.length && text[i] !== '}') {
		const { matcher, end } = readMatcher(
			text,
			i,
			(problem, at) => {
				i = at;
				return fail(problem);
			},
			true
		);
		i = end;
		out.push(matcher);
		ws();
		if (text[i] === ',') {
			i++;
			ws();
		} else if (i < text.length && text[i] !== '}') fail('expected "," or "}"');
	}
	if (braced) {
		if (text[i] !== '}') fail('expected "}"');
		i++;
		ws();
	} else if (i < text.length) fail('unexpected "}"');
	if (i < text.length) fail('unexpected text');
	return out.map((m, k) => checkMatcher(m, `${field}[${k}]`));
}

/**
 * Matchers of a list filter (`?filter=` on silences), as text: checked like a silence's, except
 * that a filter may match the empty string (it mutes nothing).
 */
export function parseFilterMatchers(text: string, field: string): Matcher[] {
	if (text.length > 64 * 1024) throw new MutingInputError(field, 'longer than 64 KiB');
	const out = matcherText(text, field);
	if (out.length === 0) throw new MutingInputError(field, 'at least one matcher is needed, e.g. service="payments"');
	if (out.length > MAX_MATCHERS) throw new MutingInputError(field, `${out.length} matchers: at most ${MAX_MATCHERS} are allowed`);
	return out;
}

/**
 * Reads matchers in any of the three spellings and checks them: label names, regexes (RE2), at
 * least one matcher, at most MAX_MATCHERS, and not all matching the empty string.
 */
export function parseMatchers(input: unknown, field = 'matchers'): Matcher[] {
	let out: Matcher[];
	if (typeof input === 'string') {
		if (input.length > 64 * 1024) throw new MutingInputError(field, 'longer than 64 KiB');
		out = matcherText(input, field);
	} else if (Array.isArray(input)) {
		if (input.length > MAX_MATCHERS) throw new MutingInputError(field, `${input.length} matchers: at most ${MAX_MATCHERS} are allowed`);
		out = input.map((m, i) => matcherObject(m, `${field}[${i}]`));
	} else {
		throw new MutingInputError(field, 'expected label matchers: text such as {service="payments"} or an array of {name, op, value}');
	}
	if (out.length === 0) throw new MutingInputError(field, 'at least one matcher is needed, e.g. {service="payments"}');
	if (out.length > MAX_MATCHERS) throw new MutingInputError(field, `${out.length} matchers: at most ${MAX_MATCHERS} are allowed`);
	if (out.every((m, i) => compileMatchers([m], `${field}[${i}]`)({}))) {
		throw new MutingInputError(field, 'every matcher also matches the empty string, so this would mute every alert: add one that does not, e.g. alertname="..."');
	}
	return out;
}

function quote(value: string): string {
	return `"${value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`;
}

/** The text form `{a="1", b=~"x.*"}`; parseMatchers reads it back to the same matchers. */
export function formatMatchers(matchers: readonly Matcher[]): string {
	return `{${matchers.map((m) => `${m.name}${m.op}${quote(m.value)}`).join(', ')}}`;
}
