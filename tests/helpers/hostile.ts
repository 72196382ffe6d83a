/**
 * Known hostile inputs, shared by the hostile-input tests of every surface: markup and template
 * injection, SQL-ish strings, control and invisible characters, broken Unicode, prototype keys,
 * and sizes that break naive code. Each is a string; `hostileValues` adds values of every JSON type.
 */
import fc from 'fast-check';

export const MEGABYTE = 1024 * 1024;

/** Strings that have broken parsers, renderers and templates elsewhere. */
export const HOSTILE_STRINGS: readonly string[] = [
	'<img src=x onerror=alert(1)>',
	'"><script>alert(1)</script>',
	"'><svg/onload=alert(1)>",
	'</script><script>alert(document.cookie)</script>',
	'javascript:alert(1)',
	'<iframe src="data:text/html,<script>alert(1)</script>">',
	'{{7*7}}',
	'{{ .Labels.x }}{{ template "x" }}',
	'{{define "x"}}{{template "x"}}{{end}}{{template "x"}}',
	'${7*7}',
	'#{7*7}',
	'<%= 7*7 %>',
	"' OR '1'='1",
	"'; DROP TABLE alerts; --",
	'1; SELECT * FROM users',
	'" OR ""="',
	'\u0000',
	'a\u0000b',
	'\u0000'.repeat(64),
	'\u202Egnp.exe',
	'\u202D\u202E\u2066\u2069',
	'\u200B\u200C\u200D\uFEFF',
	'\uD800',
	'\uDC00',
	'a\uDFFFb\uD800',
	'\uFFFD\uFFFE\uFFFF',
	'🙂👨‍👩‍👧‍👦',
	'Z̸̢̛̛̖̗a̷l̸g̶o̵',
	'\r\n\r\nHTTP/1.1 200 OK\r\n',
	'\n\n\n',
	'\t \u00A0\u3000',
	'../../../../etc/passwd',
	'%00%2e%2e%2f',
	'%s%s%s%n',
	'\\',
	'\\\\\\"',
	'"',
	"'",
	'`',
	'__proto__',
	'constructor',
	'prototype',
	'toString',
	'hasOwnProperty',
	'__defineGetter__',
	'NaN',
	'Infinity',
	'-Infinity',
	'+Inf',
	'-0',
	'1e309',
	'0x1F',
	'9'.repeat(400),
	'',
	' ',
	'null',
	'undefined',
	'true',
	'[]',
	'{}',
	'{"__proto__": {"polluted": true}}',
	'a'.repeat(1024),
	'a'.repeat(1025),
	'x'.repeat(MEGABYTE)
];

/** Values of every JSON type, for fields that expect one type. */
export const HOSTILE_VALUES: readonly unknown[] = [
	...HOSTILE_STRINGS.filter((s) => s.length < 2048),
	null,
	true,
	false,
	0,
	-0,
	-1,
	1.5,
	1e308,
	-1e308,
	Number.MAX_SAFE_INTEGER + 2,
	[],
	[1, 2],
	{},
	{ __proto__: { polluted: true } },
	JSON.parse('{"__proto__": {"polluted": true}}'),
	{ constructor: { prototype: { polluted: true } } }
];

/** Nested arrays `depth` deep, as JSON text. */
export function deepJsonArray(depth: number): string {
	return '['.repeat(depth) + ']'.repeat(depth);
}

/** Nested objects `depth` deep, as JSON text. */
export function deepJsonObject(depth: number): string {
	return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** A fast-check string of troublesome characters (markup, quotes, controls, broken surrogates). */
export const hostileChar = fc.oneof(
	{ weight: 3, arbitrary: fc.constantFrom('<', '>', '"', "'", '`', '\\', '{', '}', '$', '#', '%', '&', '\u0000', '\n', '\r', '\u202E', '\uD800', '\uDC00', '\uFEFF', ':', '-', '|', '*', '(', ')', '[', ']') },
	{ weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
	{ weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 1 }) }
);
export const hostileString = fc.oneof(fc.string({ unit: hostileChar, maxLength: 40 }), fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length < 2048)));

/** Any JSON-like value with hostile strings and keys, a few levels deep. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
	value: fc.oneof(
		{ depthSize: 'small', withCrossShrink: true },
		hostileString,
		fc.double(),
		fc.integer(),
		fc.boolean(),
		fc.constant(null),
		fc.array(tie('value'), { maxLength: 4 }),
		fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'metric', 'labels', 'value', 'ts')), tie('value'), { maxKeys: 4 })
	)
})).value;

/** Whether the text, served as HTML, would carry markup from the input: an unescaped `<` of a known payload. */
export function reflectsMarkup(text: string): boolean {
	return /<(img|script|svg|iframe)\b/i.test(text);
}
