/**
 * Label matchers with Prometheus' semantics: `=`, `!=`, `=~`, `!~`; a missing label has the value
 * ""; regular expressions are anchored at both ends. `parseSelector` reads the series-selector
 * text `name{label="value", ...}` (the rules engine parses full PromQL with the Prometheus grammar;
 * this small parser serves the store's own API, the CLI and tests).
 */
import { RE2JS } from 're2js';
import type { Labels } from '../../shared/series';
import { LABEL_NAME, METRIC_NAME } from '../../shared/series';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
	name: string;
	op: MatchOp;
	value: string;
}

export class SelectorError extends Error {
	override name = 'SelectorError';
	constructor(
		message: string,
		readonly position: number
	) {
		super(message);
	}
}

/** A compiled label regex: `test` is true when the whole value matches. */
export interface LabelRegex {
	test(value: string): boolean;
}

/** Longest regular expression a matcher may hold. */
export const MAX_REGEX_LENGTH = 4096;

const regexCache = new Map<string, LabelRegex>();

/**
 * Label regexes run on RE2 (re2js), as Prometheus' do on Go's regexp: matching takes time linear in
 * the value's length whatever the pattern, so a pattern such as `(a+)+b` cannot stall a query or
 * the store (JavaScript's backtracking RegExp takes seconds on 30 characters with it). One
 * difference from Prometheus v2.42 is kept: `.` matches a newline (the DOTALL flag).
 */
export function matcherRegex(pattern: string): LabelRegex {
	let re = regexCache.get(pattern);
	if (!re) {
		if (pattern.length > MAX_REGEX_LENGTH) {
			throw new SelectorError(`regular expression of ${pattern.length} characters: at most ${MAX_REGEX_LENGTH} are allowed`, 0);
		}
		let compiled: RE2JS;
		try {
			compiled = RE2JS.compile(pattern, RE2JS.DOTALL);
		} catch (err) {
			throw new SelectorError(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`, 0);
		}
		re = { test: (value) => compiled.matches(value) };
		if (regexCache.size > 1000) regexCache.clear();
		regexCache.set(pattern, re);
	}
	return re;
}

export function matchValue(m: Matcher, value: string): boolean {
	switch (m.op) {
		case '=':
			return value === m.value;
		case '!=':
			return value !== m.value;
		case '=~':
			return matcherRegex(m.value).test(value);
		case '!~':
			return !matcherRegex(m.value).test(value);
	}
}

/** Whether a label set (with `__name__`) satisfies every matcher. */
export function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
	for (const m of matchers) if (!matchValue(m, labels[m.name] ?? '')) return false;
	return true;
}

/** Prometheus refuses selectors whose every matcher also matches the empty string. */
export function checkSelectable(matchers: readonly Matcher[]): void {
	if (matchers.length === 0 || matchers.every((m) => matchValue(m, ''))) {
		throw new SelectorError('a selector needs at least one matcher that does not match the empty string, e.g. a metric name', 0);
	}
}

/**
 * Reads one `name op value` matcher starting at `start`: a label name, one of `=`, `!=`, `=~`,
 * `!~`, and a value quoted with `"`, `'` or a backtick (backslash escapes `\n`, `\t` and any other
 * character, except between backticks), or with `bare` also an unquoted value. Whitespace may
 * stand around the operator. Answers the matcher and the index after it; a problem goes to `fail`
 * (which throws) with the index it was found at. Shared by selectors and silence matchers.
 */
export function readMatcher(text: string, start: number, fail: (problem: string, at: number) => never, bare = false): { matcher: Matcher; end: number } {
	let i = start;
	const ws = () => {
		while (i < text.length && /\s/.test(text[i]!)) i++;
	};
	const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
	if (!label) return fail('expected a label name', i);
	i += label[0].length;
	ws();
	const op = /^(=~|!~|!=|=)/.exec(text.slice(i));
	if (!op) return fail(`expected one of =, !=, =~, !~ after ${label[0]}`, i);
	i += op[0].length;
	ws();
	let value = '';
	const quote = text[i];
	if (quote === '"' || quote === "'" || quote === '`') {
		i++;
		for (;;) {
			if (i >= text.length) return fail('unterminated label value', i);
			const c = text[i]!;
			if (c === quote) break;
			if (c === '\\' && quote !== '`') {
				const n = text[++i];
				value += n === 'n' ? '\n' : n === 't' ? '\t' : (n ?? '');
			} else value += c;
			i++;
		}
		i++;
	} else if (bare) {
		const word = /^[^\s,{}"'`=!~]+/.exec(text.slice(i));
		if (!word) return fail('expected a label value', i);
		value = word[0];
		i += value.length;
	} else {
		return fail('expected a quoted label value', i);
	}
	return { matcher: { name: label[0], op: op[0] as MatchOp, value }, end: i };
}

/** Parses `name{a="1", b=~"x.*"}`, `{__name__="up"}` or `name`. */
export function parseSelector(text: string): Matcher[] {
	let i = 0;
	const out: Matcher[] = [];
	const ws = () => {
		while (i < text.length && /\s/.test(text[i]!)) i++;
	};
	const fail = (msg: string): never => {
		throw new SelectorError(`${msg} at position ${i + 1} of ${JSON.stringify(text)}`, i);
	};
	ws();
	const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text.slice(i));
	if (nameMatch) {
		out.push({ name: '__name__', op: '=', value: nameMatch[0] });
		i += nameMatch[0].length;
		ws();
	}
	if (text[i] === '{') {
		i++;
		ws();
		while (text[i] !== '}') {
			const { matcher, end } = readMatcher(text, i, (problem, at) => {
				i = at;
				return fail(problem);
			});
			i = end;
			out.push(matcher);
			ws();
			if (text[i] === ',') {
				i++;
				ws();
			} else if (text[i] !== '}') fail('expected "," or "}"');
		}
		i++;
		ws();
	}
	if (i < text.length) fail('unexpected text');
	if (out.length === 0) fail('empty selector');
	for (const m of out) if (m.op.includes('~')) matcherRegex(m.value);
	return out;
}

/** The label set's text form, `name{a="1"}`, as Prometheus prints it. */
export function formatSeries(labels: Labels): string {
	const name = labels.__name__ ?? '';
	const rest = Object.keys(labels)
		.filter((k) => k !== '__name__')
		.sort()
		.map((k) => `${k}=${JSON.stringify(labels[k])}`);
	if (rest.length === 0) return name || '{}';
	return `${name}{${rest.join(', ')}}`;
}

export { LABEL_NAME, METRIC_NAME };
