/**
 * The PromQL lexer of Prometheus v2.42 (promql/parser/lex.go), state for state: which text is a
 * number, a duration, a keyword or an identifier, and the errors it reports (an unclosed
 * parenthesis, a duration without unit, ...), so that Vigil accepts and refuses exactly what
 * Prometheus does.
 */

export type TokenType =
	| 'EOF'
	| 'ERROR'
	| 'COMMENT'
	| 'IDENTIFIER'
	| 'METRIC_IDENTIFIER'
	| 'NUMBER'
	| 'DURATION'
	| 'STRING'
	| 'LEFT_PAREN'
	| 'RIGHT_PAREN'
	| 'LEFT_BRACE'
	| 'RIGHT_BRACE'
	| 'LEFT_BRACKET'
	| 'RIGHT_BRACKET'
	| 'COMMA'
	| 'COLON'
	| 'EQL'
	| 'EQL_REGEX'
	| 'NEQ_REGEX'
	// Operators.
	| 'ADD'
	| 'SUB'
	| 'MUL'
	| 'DIV'
	| 'MOD'
	| 'POW'
	| 'EQLC'
	| 'NEQ'
	| 'LTE'
	| 'LSS'
	| 'GTE'
	| 'GTR'
	| 'LAND'
	| 'LOR'
	| 'LUNLESS'
	| 'ATAN2'
	| 'AT'
	// Aggregators.
	| 'AVG'
	| 'BOTTOMK'
	| 'COUNT'
	| 'COUNT_VALUES'
	| 'GROUP'
	| 'MAX'
	| 'MIN'
	| 'QUANTILE'
	| 'STDDEV'
	| 'STDVAR'
	| 'SUM'
	| 'TOPK'
	// Keywords.
	| 'BOOL'
	| 'BY'
	| 'GROUP_LEFT'
	| 'GROUP_RIGHT'
	| 'IGNORING'
	| 'OFFSET'
	| 'ON'
	| 'WITHOUT'
	// Preprocessors.
	| 'START'
	| 'END';

export interface Token {
	type: TokenType;
	/** Offset in the input (UTF-16 units). */
	pos: number;
	/** The text, or the message of an ERROR token. */
	val: string;
}

const KEYWORDS: Record<string, TokenType> = {
	and: 'LAND',
	or: 'LOR',
	unless: 'LUNLESS',
	atan2: 'ATAN2',
	sum: 'SUM',
	avg: 'AVG',
	count: 'COUNT',
	min: 'MIN',
	max: 'MAX',
	group: 'GROUP',
	stddev: 'STDDEV',
	stdvar: 'STDVAR',
	topk: 'TOPK',
	bottomk: 'BOTTOMK',
	count_values: 'COUNT_VALUES',
	quantile: 'QUANTILE',
	offset: 'OFFSET',
	by: 'BY',
	without: 'WITHOUT',
	on: 'ON',
	ignoring: 'IGNORING',
	group_left: 'GROUP_LEFT',
	group_right: 'GROUP_RIGHT',
	bool: 'BOOL',
	start: 'START',
	end: 'END',
	inf: 'NUMBER',
	nan: 'NUMBER'
};

export const AGGREGATORS = new Set<TokenType>(['AVG', 'BOTTOMK', 'COUNT', 'COUNT_VALUES', 'GROUP', 'MAX', 'MIN', 'QUANTILE', 'STDDEV', 'STDVAR', 'SUM', 'TOPK']);
const KEYWORD_TYPES = new Set<TokenType>(['BOOL', 'BY', 'GROUP_LEFT', 'GROUP_RIGHT', 'IGNORING', 'OFFSET', 'ON', 'WITHOUT']);
const OPERATORS = new Set<TokenType>(['ADD', 'SUB', 'MUL', 'DIV', 'MOD', 'POW', 'EQLC', 'NEQ', 'LTE', 'LSS', 'GTE', 'GTR', 'LAND', 'LOR', 'LUNLESS', 'ATAN2', 'AT', 'EQL_REGEX', 'NEQ_REGEX']);
/** Tokens Prometheus names by their text in messages (ItemTypeStr). */
const NAMED = new Set<TokenType>([
	'LEFT_PAREN',
	'RIGHT_PAREN',
	'LEFT_BRACE',
	'RIGHT_BRACE',
	'LEFT_BRACKET',
	'RIGHT_BRACKET',
	'COMMA',
	'EQL',
	'COLON',
	...OPERATORS,
	...AGGREGATORS,
	...KEYWORD_TYPES,
	'START',
	'END'
]);

/** How Prometheus names a token in "unexpected ..." messages (Item.desc). */
export function describeToken(t: Token): string {
	if (t.type === 'EOF') return 'end of input';
	// `@` has no entry in Prometheus' table of token names: it prints as its yacc number.
	if (t.type === 'AT') return `"<Item 57385>" <op:${t.val}>`;
	let s: string;
	if (t.type === 'IDENTIFIER' || t.type === 'METRIC_IDENTIFIER') s = JSON.stringify(t.val);
	else if (KEYWORD_TYPES.has(t.type)) s = `<${t.val}>`;
	else if (OPERATORS.has(t.type)) s = `<op:${t.val}>`;
	else if (AGGREGATORS.has(t.type)) s = `<aggr:${t.val}>`;
	else if (t.val.length > 10) s = `${JSON.stringify(t.val.slice(0, 10))}...`;
	else s = JSON.stringify(t.val);
	if (NAMED.has(t.type)) return s;
	const kind: Partial<Record<TokenType, string>> = {
		ERROR: 'error',
		COMMENT: 'comment',
		IDENTIFIER: 'identifier',
		METRIC_IDENTIFIER: 'metric identifier',
		STRING: 'string',
		NUMBER: 'number',
		DURATION: 'duration'
	};
	return `${kind[t.type] ?? JSON.stringify(t.type)} ${s}`;
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isAlpha = (c: string) => c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlphaNumeric = (c: string) => isAlpha(c) || isDigit(c);
const EOF = '';

type State = ((l: Lexer) => State) | undefined;

/** Tokenizes an expression; each call of next() gives one token (comments included). */
export class Lexer {
	pos = 0;
	start = 0;
	private state: State = lexStatements;
	private out: Token | undefined;
	parenDepth = 0;
	braceOpen = false;
	bracketOpen = false;
	gotColon = false;
	stringOpen = '';

	constructor(readonly input: string) {}

	nextChar(): string {
		if (this.pos >= this.input.length) {
			this.pos++;
			return EOF;
		}
		return this.input[this.pos++]!;
	}

	peek(): string {
		return this.pos < this.input.length ? this.input[this.pos]! : EOF;
	}

	backup(): void {
		this.pos--;
	}

	emit(type: TokenType): void {
		this.out = { type, pos: this.start, val: this.input.slice(this.start, this.pos) };
		this.start = this.pos;
	}

	ignore(): void {
		this.start = this.pos;
	}

	accept(valid: string): boolean {
		const c = this.nextChar();
		if (c !== EOF && valid.includes(c)) return true;
		this.backup();
		return false;
	}

	acceptRun(valid: string): void {
		for (;;) {
			const c = this.nextChar();
			if (c === EOF || !valid.includes(c)) break;
		}
		this.backup();
	}

	errorf(message: string): State {
		this.out = { type: 'ERROR', pos: this.start, val: message };
		return undefined;
	}

	next(): Token {
		this.out = undefined;
		if (this.state === undefined) {
			this.emit('EOF');
			return this.out!;
		}
		while (!this.out) {
			const state: State = this.state;
			if (state === undefined) {
				this.emit('EOF');
				break;
			}
			this.state = state(this);
		}
		return this.out!;
	}

	/** Prometheus' scanNumber: whether the text here reads as a number (not followed by a letter or digit). */
	scanNumber(): boolean {
		let digits = '0123456789';
		if (this.accept('0') && this.accept('xX')) digits = '0123456789abcdefABCDEF';
		this.acceptRun(digits);
		if (this.accept('.')) this.acceptRun(digits);
		if (this.accept('eE')) {
			this.accept('+-');
			this.acceptRun('0123456789');
		}
		const r = this.peek();
		return r === EOF || !isAlphaNumeric(r);
	}
}

/** Characters that are a token by themselves outside braces. */
const SINGLE_TOKENS = new Map<string, TokenType>([
	[',', 'COMMA'],
	['*', 'MUL'],
	['/', 'DIV'],
	['%', 'MOD'],
	['+', 'ADD'],
	['-', 'SUB'],
	['^', 'POW'],
	['@', 'AT']
]);

function lexStatements(l: Lexer): State {
	if (l.braceOpen) return lexInsideBraces;
	if (l.input.startsWith('#', l.pos)) return lexLineComment;
	const r = l.nextChar();
	if (r === EOF) return lexEnd(l);
	const single = SINGLE_TOKENS.get(r);
	if (single) {
		l.emit(single);
		return lexStatements;
	}
	switch (r) {
		case '=':
		case '!':
		case '<':
		case '>':
			return lexComparison(l, r);
		case '"':
		case "'":
			l.stringOpen = r;
			return lexString;
		case '`':
			l.stringOpen = r;
			return lexRawString;
		case '(':
		case ')':
		case '{':
		case '[':
		case ']':
			return lexOpenClose(l, r);
		default:
			return lexWord(l, r);
	}
}

/** The end of the input: every parenthesis and bracket must be closed. */
function lexEnd(l: Lexer): State {
	if (l.parenDepth !== 0) return l.errorf('unclosed left parenthesis');
	if (l.bracketOpen) return l.errorf('unclosed left bracket');
	l.pos = l.input.length;
	l.emit('EOF');
	return undefined;
}

/** `=`, `==`, `!=`, `<`, `<=`, `>`, `>=` (`r` read). */
function lexComparison(l: Lexer, r: string): State {
	if (r === '=') {
		const t = l.peek();
		if (t === '=') {
			l.nextChar();
			l.emit('EQLC');
		} else if (t === '~') return l.errorf(`unexpected character after '=': ${goQuoteRune(t)}`);
		else l.emit('EQL');
		return lexStatements;
	}
	if (r === '!') {
		const t = l.nextChar();
		if (t === '=') {
			l.emit('NEQ');
			return lexStatements;
		}
		return l.errorf(`unexpected character after '!': ${goQuoteRune(t)}`);
	}
	const orEqual = l.peek() === '=';
	if (orEqual) l.nextChar();
	l.emit(r === '<' ? (orEqual ? 'LTE' : 'LSS') : orEqual ? 'GTE' : 'GTR');
	return lexStatements;
}

/** Parentheses, the opening brace, and the brackets of a range or subquery (`r` read). */
function lexOpenClose(l: Lexer, r: string): State {
	switch (r) {
		case '(':
			l.emit('LEFT_PAREN');
			l.parenDepth++;
			return lexStatements;
		case ')':
			l.emit('RIGHT_PAREN');
			l.parenDepth--;
			if (l.parenDepth < 0) return l.errorf(`unexpected right parenthesis ${goQuoteRune(r)}`);
			return lexStatements;
		case '{':
			l.emit('LEFT_BRACE');
			l.braceOpen = true;
			return lexInsideBraces;
		case '[':
			if (l.bracketOpen) return l.errorf(`unexpected left bracket ${goQuoteRune(r)}`);
			l.gotColon = false;
			l.emit('LEFT_BRACKET');
			if (isSpace(l.peek())) {
				while (isSpace(l.peek())) l.nextChar();
				l.ignore();
			}
			l.bracketOpen = true;
			return lexDuration;
		default:
			if (!l.bracketOpen) return l.errorf(`unexpected right bracket ${goQuoteRune(r)}`);
			l.emit('RIGHT_BRACKET');
			l.bracketOpen = false;
			return lexStatements;
	}
}

/** Space, a number or duration, a keyword or identifier, or a subquery's colon (`r` read). */
function lexWord(l: Lexer, r: string): State {
	if (isSpace(r)) return lexSpace;
	if (isDigit(r) || (r === '.' && isDigit(l.peek()))) {
		l.backup();
		return lexNumberOrDuration;
	}
	if (isAlpha(r) || r === ':') {
		if (!l.bracketOpen) {
			l.backup();
			return lexKeywordOrIdentifier;
		}
		if (l.gotColon) return l.errorf(`unexpected colon ${goQuoteRune(r)}`);
		l.emit('COLON');
		l.gotColon = true;
		return lexStatements;
	}
	return l.errorf(`unexpected character: ${goQuoteRune(r)}`);
}

function lexInsideBraces(l: Lexer): State {
	if (l.input.startsWith('#', l.pos)) return lexLineComment;
	const r = l.nextChar();
	if (r === EOF) return l.errorf('unexpected end of input inside braces');
	if (isSpace(r)) return lexSpace;
	if (isAlpha(r)) {
		l.backup();
		return lexIdentifier;
	}
	switch (r) {
		case ',':
			l.emit('COMMA');
			break;
		case '"':
		case "'":
			l.stringOpen = r;
			return lexString;
		case '`':
			l.stringOpen = r;
			return lexRawString;
		case '=':
			if (l.nextChar() === '~') {
				l.emit('EQL_REGEX');
				break;
			}
			l.backup();
			l.emit('EQL');
			break;
		case '!': {
			const nr = l.nextChar();
			if (nr === '~') l.emit('NEQ_REGEX');
			else if (nr === '=') l.emit('NEQ');
			else return l.errorf(`unexpected character after '!' inside braces: ${goQuoteRune(nr)}`);
			break;
		}
		case '{':
			return l.errorf(`unexpected left brace ${goQuoteRune(r)}`);
		case '}':
			l.emit('RIGHT_BRACE');
			l.braceOpen = false;
			return lexStatements;
		default:
			return l.errorf(`unexpected character inside braces: ${goQuoteRune(r)}`);
	}
	return lexInsideBraces;
}

function lexEscape(l: Lexer): State {
	let ch = l.nextChar();
	let n: number;
	let base: number;
	let max: number;
	switch (ch) {
		case 'a':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
		case 'v':
		case '\\':
		case l.stringOpen:
			return lexString;
		case '0':
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7':
			[n, base, max] = [3, 8, 255];
			break;
		case 'x':
			ch = l.nextChar();
			[n, base, max] = [2, 16, 255];
			break;
		case 'u':
			ch = l.nextChar();
			[n, base, max] = [4, 16, 0x10ffff];
			break;
		case 'U':
			ch = l.nextChar();
			[n, base, max] = [8, 16, 0x10ffff];
			break;
		case EOF:
			l.errorf('escape sequence not terminated');
			return lexString;
		default:
			l.errorf(`unknown escape sequence ${goUnicode(ch)}`);
			return lexString;
	}
	let x = 0;
	while (n > 0) {
		const d = digitVal(ch);
		if (d >= base) {
			if (ch === EOF) {
				l.errorf('escape sequence not terminated');
				return lexString;
			}
			l.errorf(`illegal character ${goUnicode(ch)} in escape sequence`);
			return lexString;
		}
		x = x * base + d;
		n--;
		if (n > 0) ch = l.nextChar();
	}
	if (x > max || (x >= 0xd800 && x < 0xe000)) l.errorf('escape sequence is an invalid Unicode code point');
	return lexString;
}

function digitVal(ch: string): number {
	if (ch >= '0' && ch <= '9') return ch.charCodeAt(0) - 48;
	if (ch >= 'a' && ch <= 'f') return ch.charCodeAt(0) - 97 + 10;
	if (ch >= 'A' && ch <= 'F') return ch.charCodeAt(0) - 65 + 10;
	return 16;
}

function lexString(l: Lexer): State {
	for (;;) {
		const c = l.nextChar();
		if (c === '\\') return lexEscape;
		if (c === EOF || c === '\n') return l.errorf('unterminated quoted string');
		if (c === l.stringOpen) break;
	}
	l.emit('STRING');
	return lexStatements;
}

function lexRawString(l: Lexer): State {
	for (;;) {
		const c = l.nextChar();
		if (c === EOF) return l.errorf('unterminated raw string');
		if (c === l.stringOpen) break;
	}
	l.emit('STRING');
	return lexStatements;
}

function lexSpace(l: Lexer): State {
	while (isSpace(l.peek())) l.nextChar();
	l.ignore();
	return lexStatements;
}

function lexLineComment(l: Lexer): State {
	l.pos += 1;
	for (;;) {
		const r = l.nextChar();
		if (r === '\r' || r === '\n' || r === EOF) break;
	}
	l.backup();
	l.emit('COMMENT');
	return lexStatements;
}

function lexDuration(l: Lexer): State {
	if (l.scanNumber()) return l.errorf('missing unit character in duration');
	if (!acceptRemainingDuration(l)) return l.errorf(`bad duration syntax: ${JSON.stringify(l.input.slice(l.start, l.pos))}`);
	l.backup();
	l.emit('DURATION');
	return lexStatements;
}

function lexNumberOrDuration(l: Lexer): State {
	if (l.scanNumber()) {
		l.emit('NUMBER');
		return lexStatements;
	}
	if (acceptRemainingDuration(l)) {
		l.backup();
		l.emit('DURATION');
		return lexStatements;
	}
	return l.errorf(`bad number or duration syntax: ${JSON.stringify(l.input.slice(l.start, l.pos))}`);
}

function acceptRemainingDuration(l: Lexer): boolean {
	if (!l.accept('smhdwy')) return false;
	l.accept('s');
	while (l.accept('0123456789')) {
		while (l.accept('0123456789')) {
			// digits
		}
		if (!l.accept('smhdw')) return false;
		l.accept('s');
	}
	const c = l.nextChar();
	return c === EOF || !isAlphaNumeric(c);
}

function lexIdentifier(l: Lexer): State {
	for (;;) {
		const c = l.nextChar();
		if (c === EOF || !isAlphaNumeric(c)) break;
	}
	l.backup();
	l.emit('IDENTIFIER');
	return lexStatements;
}

function lexKeywordOrIdentifier(l: Lexer): State {
	for (;;) {
		const r = l.nextChar();
		if (r !== EOF && (isAlphaNumeric(r) || r === ':')) continue;
		l.backup();
		const word = l.input.slice(l.start, l.pos);
		const kw = KEYWORDS[word.toLowerCase()];
		if (kw) l.emit(kw);
		else if (!word.includes(':')) l.emit('IDENTIFIER');
		else l.emit('METRIC_IDENTIFIER');
		break;
	}
	return lexStatements;
}

/** Go's %q of a rune. */
function goQuoteRune(c: string): string {
	if (c === EOF) return "'\\uffff'";
	if (c === "'") return "'\\''";
	if (c === '\\') return "'\\\\'";
	const code = c.codePointAt(0)!;
	if (c === '\n') return "'\\n'";
	if (c === '\t') return "'\\t'";
	if (c === '\r') return "'\\r'";
	if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, '0')}'`;
	return `'${c}'`;
}

/** Go's %#U of a rune: U+0041 'A'. */
function goUnicode(c: string): string {
	if (c === EOF) return 'U+FFFFFFFFFFFFFFFF';
	const code = c.codePointAt(0)!;
	const hex = code.toString(16).toUpperCase().padStart(4, '0');
	return code >= 0x20 && code !== 0x7f ? `U+${hex} '${c}'` : `U+${hex}`;
}

/** Whether a name can be a label name (Prometheus' isLabel). */
export function isLabelName(s: string): boolean {
	if (s.length === 0 || !isAlpha(s[0]!)) return false;
	for (const c of s.slice(1)) if (!isAlphaNumeric(c)) return false;
	return true;
}
