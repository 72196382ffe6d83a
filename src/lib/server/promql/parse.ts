/**
 * Parses PromQL as Prometheus v2.42 does: its lexer (lexer.ts), its grammar (promql/parser/
 * generated_parser.y: operator precedence, modifiers that bind to the nearest operand, keywords
 * that are metric names where an operand is expected) and its checks (parse.go's checkAST: types,
 * argument counts, vector matching), with its messages. The first error is reported, as
 * Prometheus reports the first of its list.
 *
 * Operators are read with an operator stack rather than by recursion, so long flat expressions
 * and chains of signs cost no stack; trees deeper than MAX_TREE_DEPTH are refused (the evaluator
 * walks them recursively).
 */
import { RE2JS } from 're2js';
import type { Labels } from '../../shared/series';
import { matcherRegex, type MatchOp, type Matcher } from '../tsdb';
import {
	isComparison,
	isSetOp,
	typeName,
	type AggregateNode,
	type AggregateOp,
	type AtModifier,
	type BinaryNode,
	type BinaryOp,
	type CallNode,
	type FunctionName,
	type MatrixSelectorNode,
	type Node,
	type SubqueryNode,
	type ValueType,
	type VectorMatching,
	type VectorSelectorNode
} from './ast';
import { PromQLError } from './errors';
import { parseDuration, parseNumber, unquote } from './lex';
import { AGGREGATORS, describeToken, isLabelName, Lexer, type Token, type TokenType } from './lexer';

/** A parsed expression. */
export interface Expr {
	readonly text: string;
	readonly type: 'vector' | 'scalar' | 'matrix';
	/** The syntax tree (ast.ts). */
	readonly root: Node;
}

interface Signature {
	args: ValueType[];
	/** 0: exactly args; n > 0: up to n more of the last type; -1: any number more. */
	variadic: number;
	ret: 'scalar' | 'vector';
}

const M: ValueType = 'matrix';
const V: ValueType = 'vector';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const sig = (args: ValueType[], ret: 'scalar' | 'vector' = 'vector', variadic = 0): Signature => ({ args, ret, variadic });

/** Prometheus v2.42's functions (promql/parser/functions.go). */
export const FUNCTIONS: Record<FunctionName, Signature> = {
	abs: sig([V]),
	absent: sig([V]),
	absent_over_time: sig([M]),
	acos: sig([V]),
	acosh: sig([V]),
	asin: sig([V]),
	asinh: sig([V]),
	atan: sig([V]),
	atanh: sig([V]),
	avg_over_time: sig([M]),
	ceil: sig([V]),
	changes: sig([M]),
	clamp: sig([V, S, S]),
	clamp_max: sig([V, S]),
	clamp_min: sig([V, S]),
	cos: sig([V]),
	cosh: sig([V]),
	count_over_time: sig([M]),
	days_in_month: sig([V], 'vector', 1),
	day_of_month: sig([V], 'vector', 1),
	day_of_week: sig([V], 'vector', 1),
	day_of_year: sig([V], 'vector', 1),
	deg: sig([V]),
	delta: sig([M]),
	deriv: sig([M]),
	exp: sig([V]),
	floor: sig([V]),
	histogram_count: sig([V]),
	histogram_sum: sig([V]),
	histogram_fraction: sig([S, S, V]),
	histogram_quantile: sig([S, V]),
	holt_winters: sig([M, S, S]),
	hour: sig([V], 'vector', 1),
	idelta: sig([M]),
	increase: sig([M]),
	irate: sig([M]),
	label_replace: sig([V, STR, STR, STR, STR]),
	label_join: sig([V, STR, STR, STR], 'vector', -1),
	last_over_time: sig([M]),
	ln: sig([V]),
	log10: sig([V]),
	log2: sig([V]),
	max_over_time: sig([M]),
	min_over_time: sig([M]),
	minute: sig([V], 'vector', 1),
	month: sig([V], 'vector', 1),
	pi: sig([], 'scalar'),
	predict_linear: sig([M, S]),
	present_over_time: sig([M]),
	quantile_over_time: sig([S, M]),
	rad: sig([V]),
	rate: sig([M]),
	resets: sig([M]),
	round: sig([V, S], 'vector', 1),
	scalar: sig([V], 'scalar'),
	sgn: sig([V]),
	sin: sig([V]),
	sinh: sig([V]),
	sort: sig([V]),
	sort_desc: sig([V]),
	sqrt: sig([V]),
	stddev_over_time: sig([M]),
	stdvar_over_time: sig([M]),
	sum_over_time: sig([M]),
	tan: sig([V]),
	tanh: sig([V]),
	time: sig([], 'scalar'),
	timestamp: sig([V]),
	vector: sig([S]),
	year: sig([V], 'vector', 1)
};

const BINARY: Partial<Record<TokenType, { op: BinaryOp; prec: number }>> = {
	LOR: { op: 'or', prec: 1 },
	LAND: { op: 'and', prec: 2 },
	LUNLESS: { op: 'unless', prec: 2 },
	EQLC: { op: '==', prec: 3 },
	NEQ: { op: '!=', prec: 3 },
	GTE: { op: '>=', prec: 3 },
	GTR: { op: '>', prec: 3 },
	LSS: { op: '<', prec: 3 },
	LTE: { op: '<=', prec: 3 },
	ADD: { op: '+', prec: 4 },
	SUB: { op: '-', prec: 4 },
	MUL: { op: '*', prec: 5 },
	DIV: { op: '/', prec: 5 },
	MOD: { op: '%', prec: 5 },
	ATAN2: { op: 'atan2', prec: 5 },
	POW: { op: '^', prec: 6 }
};
/** A sign binds like `*` (the grammar's `%prec MUL`): -a ^ b is -(a ^ b), -a * b is (-a) * b. */
const UNARY_PREC = 5;

/** Tokens that name a metric where an operand is expected (the grammar's metric_identifier). */
const METRIC_IDENTIFIERS = new Set<TokenType>([
	'AVG',
	'BOTTOMK',
	'BY',
	'COUNT',
	'COUNT_VALUES',
	'GROUP',
	'IDENTIFIER',
	'LAND',
	'LOR',
	'LUNLESS',
	'MAX',
	'METRIC_IDENTIFIER',
	'MIN',
	'OFFSET',
	'QUANTILE',
	'STDDEV',
	'STDVAR',
	'SUM',
	'TOPK',
	'WITHOUT',
	'START',
	'END'
]);

/** Tokens that may be label names in grouping lists (the grammar's maybe_label). */
const MAYBE_LABEL = new Set<TokenType>([
	'AVG',
	'BOOL',
	'BOTTOMK',
	'BY',
	'COUNT',
	'COUNT_VALUES',
	'GROUP',
	'GROUP_LEFT',
	'GROUP_RIGHT',
	'IDENTIFIER',
	'IGNORING',
	'LAND',
	'LOR',
	'LUNLESS',
	'MAX',
	'METRIC_IDENTIFIER',
	'MIN',
	'OFFSET',
	'ON',
	'QUANTILE',
	'STDDEV',
	'STDVAR',
	'SUM',
	'TOPK',
	'START',
	'END',
	'ATAN2'
]);

/** Longest expression text parseExpr reads. */
export const MAX_EXPR_LENGTH = 64 * 1024;
/** Deepest nesting of parentheses, braces and brackets parseExpr reads. */
export const MAX_EXPR_DEPTH = 256;
/** Deepest syntax tree parseExpr builds (a chain of 1,000 operators is far beyond any real rule). */
export const MAX_TREE_DEPTH = 1000;

/** An operand while parsing: the node, and whether it was written in parentheses. */
interface Operand {
	node: Node;
	paren: boolean;
	depth: number;
}

type StackOp = { kind: 'unary'; op: '+' | '-'; pos: number } | { kind: 'binary'; op: BinaryOp; prec: number; pos: number; end: number; returnBool: boolean; matching: VectorMatching | undefined };

/** Go's %f: six decimals. */
function goFixed6(v: number): string {
	if (Number.isNaN(v)) return 'NaN';
	if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
	return v.toFixed(6);
}

/** What the parser knows that the tree does not say, for the checks. */
interface Facts {
	/** Selectors written with a name before the braces. */
	named: WeakSet<VectorSelectorNode>;
	/** The type of a sign's operand (a sign may be written before a range vector, an error then). */
	unaryType: WeakMap<Node, ValueType>;
}

class Parser {
	private readonly lex: Lexer;
	readonly facts: Facts = { named: new WeakSet(), unaryType: new WeakMap() };
	/**
	 * The lookahead token, read only when needed: Prometheus' yacc parser reduces a rule whose end
	 * is certain (a `)`, a duration) before it reads the next token, so an error of that rule comes
	 * before an error of the lexer in what follows.
	 */
	private lookahead: Token | undefined;
	/** The end of the last `)`, `}`, `]`, number or duration read. */
	private lastClosing = 0;
	/** Aggregations being read: a syntax error inside one is "... in aggregation", as yacc's error rule says. */
	private aggregations = 0;

	constructor(readonly text: string) {
		this.lex = new Lexer(text);
	}

	private get tok(): Token {
		return (this.lookahead ??= this.read());
	}

	fail(problem: string, from: number, to: number): never {
		throw new PromQLError('syntax', problem, from, Math.max(to, from), this.text);
	}

	private read(): Token {
		for (;;) {
			const t = this.lex.next();
			if (t.type === 'COMMENT') continue;
			if (t.type === 'ERROR') this.fail(t.val, t.pos, this.text.length);
			if (t.type === 'RIGHT_BRACE' || t.type === 'RIGHT_PAREN' || t.type === 'RIGHT_BRACKET' || t.type === 'DURATION' || t.type === 'NUMBER') {
				this.lastClosing = t.pos + t.val.length;
			}
			return t;
		}
	}

	/** The type of the current token (a call, so that checks after advance() are not narrowed away). */
	private peek(): TokenType {
		return this.tok.type;
	}

	private advance(): Token {
		const t = this.tok;
		this.lookahead = undefined;
		return t;
	}

	/** "unexpected <token> in <context>, expected <what>" about the current token. */
	unexpected(context = '', expected = ''): never {
		if (!context && this.aggregations > 0) context = 'aggregation';
		let msg = `unexpected ${describeToken(this.tok)}`;
		if (context) msg += ` in ${context}`;
		if (expected) msg += `, expected ${expected}`;
		this.fail(msg, this.tok.pos, this.tok.pos + this.tok.val.length);
	}

	parse(): Node {
		if (this.peek() === 'EOF') this.fail('no expression found in input', 0, 0);
		const e = this.expr();
		if (this.peek() !== 'EOF') this.unexpected();
		return e.node;
	}

	/** An expression: operands, signs and binary operators, by precedence. */
	expr(): Operand {
		const operands: Operand[] = [];
		const ops: StackOp[] = [];
		const reduce = (): void => {
			const op = ops.pop()!;
			if (op.kind === 'unary') {
				const e = operands.pop()!;
				operands.push(this.unary(op.op, op.pos, e));
			} else {
				const rhs = operands.pop()!;
				const lhs = operands.pop()!;
				operands.push(this.binary(op, lhs, rhs));
			}
		};
		for (;;) {
			while (this.peek() === 'ADD' || this.peek() === 'SUB') {
				const t = this.advance();
				ops.push({ kind: 'unary', op: t.type === 'ADD' ? '+' : '-', pos: t.pos });
			}
			operands.push(this.postfix(this.primary()));
			const b = BINARY[this.peek()];
			if (!b) break;
			// Reduce what binds tighter: higher precedence, or equal and left-associative (all but ^).
			for (;;) {
				const top = ops[ops.length - 1];
				if (!top) break;
				const p = top.kind === 'unary' ? UNARY_PREC : top.prec;
				if (p > b.prec || (p === b.prec && b.op !== '^')) reduce();
				else break;
			}
			const opTok = this.advance();
			const mods = this.binModifiers();
			ops.push({ kind: 'binary', op: b.op, prec: b.prec, pos: opTok.pos, end: mods.end ?? opTok.pos + opTok.val.length, returnBool: mods.returnBool, matching: mods.matching });
		}
		while (ops.length) reduce();
		return operands[0]!;
	}

	private binModifiers(): { returnBool: boolean; matching: VectorMatching | undefined; end: number | undefined } {
		let returnBool = false;
		let end: number | undefined;
		if (this.peek() === 'BOOL') {
			returnBool = true;
			const t = this.advance();
			end = t.pos + t.val.length;
		}
		if (this.peek() !== 'ON' && this.peek() !== 'IGNORING') return { returnBool, matching: undefined, end };
		const on = this.advance().type === 'ON';
		const labels = this.groupingLabels();
		const matching: VectorMatching = { card: 'one-to-one', on, labels, include: [] };
		end = this.lastClosing;
		if (this.peek() === 'GROUP_LEFT' || this.peek() === 'GROUP_RIGHT') {
			const t = this.advance();
			matching.card = t.type === 'GROUP_LEFT' ? 'many-to-one' : 'one-to-many';
			end = t.pos + t.val.length;
			if (this.peek() === 'LEFT_PAREN') {
				matching.include = this.groupingLabels();
				end = this.lastClosing;
			}
		}
		return { returnBool, matching, end };
	}

	/** `(a, b)`: label names of by/without/on/ignoring/group_left/group_right. */
	private groupingLabels(): string[] {
		if (this.peek() !== 'LEFT_PAREN') this.unexpected('grouping opts', '"("');
		this.advance();
		const out: string[] = [];
		if (this.peek() === 'RIGHT_PAREN') {
			this.advance();
			return out;
		}
		for (;;) {
			if (!MAYBE_LABEL.has(this.peek()) || !isLabelName(this.tok.val)) this.unexpected('grouping opts', 'label');
			out.push(this.advance().val);
			if (this.peek() === 'RIGHT_PAREN') break;
			if (this.peek() !== 'COMMA') this.unexpected('grouping opts', '"," or ")"');
			this.advance();
			if (this.peek() === 'RIGHT_PAREN') break;
		}
		this.advance();
		return out;
	}

	private primary(): Operand {
		const t = this.tok;
		switch (t.type) {
			case 'NUMBER': {
				this.advance();
				const v = parseNumber(t.val);
				if (v === undefined) this.fail(`error parsing number: strconv.ParseFloat: parsing ${JSON.stringify(t.val)}: invalid syntax`, t.pos, t.pos + t.val.length);
				return { node: { kind: 'number', type: 'scalar', value: v, from: t.pos, to: t.pos + t.val.length }, paren: false, depth: 1 };
			}
			case 'STRING': {
				this.advance();
				const r = unquote(t.val);
				if ('error' in r) this.fail(`error unquoting string ${JSON.stringify(t.val)}: ${r.error}`, t.pos, t.pos + t.val.length);
				return { node: { kind: 'string', type: 'string', value: r.value, from: t.pos, to: t.pos + t.val.length }, paren: false, depth: 1 };
			}
			case 'LEFT_PAREN': {
				this.advance();
				const inner = this.expr();
				if (this.peek() !== 'RIGHT_PAREN') this.unexpected();
				const close = this.advance();
				// The node takes the span of its parentheses, as Prometheus' ParenExpr (errors point there).
				inner.node.from = t.pos;
				inner.node.to = close.pos + 1;
				return { node: inner.node, paren: true, depth: inner.depth };
			}
			case 'LEFT_BRACE':
				return { node: this.selector(undefined), paren: false, depth: 1 };
			case 'IDENTIFIER': {
				this.advance();
				if (this.peek() === 'LEFT_PAREN') return this.call(t);
				return { node: this.selector(t), paren: false, depth: 1 };
			}
			default:
				break;
		}
		if (AGGREGATORS.has(t.type)) {
			this.advance();
			const next = this.peek();
			if (next === 'LEFT_PAREN' || next === 'BY' || next === 'WITHOUT') return this.aggregate(t);
			return { node: this.selector(t), paren: false, depth: 1 };
		}
		if (METRIC_IDENTIFIERS.has(t.type)) {
			this.advance();
			return { node: this.selector(t), paren: false, depth: 1 };
		}
		return this.unexpected();
	}

	/** A vector selector: `name`, `name{...}` or `{...}`; `name` is the name token already read. */
	private selector(name: Token | undefined): VectorSelectorNode {
		const matchers: Matcher[] = [];
		const from = name ? name.pos : this.tok.pos;
		let to = name ? name.pos + name.val.length : from;
		if (this.peek() === 'LEFT_BRACE') {
			this.advance();
			for (;;) {
				if (this.peek() === 'RIGHT_BRACE') break;
				if (this.peek() !== 'IDENTIFIER') this.unexpected('label matching', 'identifier or "}"');
				const label = this.advance();
				const opTok = this.tok;
				if (opTok.type !== 'EQL' && opTok.type !== 'NEQ' && opTok.type !== 'EQL_REGEX' && opTok.type !== 'NEQ_REGEX') this.unexpected('label matching', 'label matching operator');
				this.advance();
				if (this.peek() !== 'STRING') this.unexpected('label matching', 'string');
				const value = this.advance();
				const r = unquote(value.val);
				if ('error' in r) this.fail(`error unquoting string ${JSON.stringify(value.val)}: ${r.error}`, value.pos, value.pos + value.val.length);
				const op = opTok.val as MatchOp;
				if (op === '=~' || op === '!~') this.checkRegex(r.value, label.pos, value.pos + value.val.length);
				matchers.push({ name: label.val, op, value: r.value });
				if (this.peek() === 'RIGHT_BRACE') break;
				if (this.peek() !== 'COMMA') this.unexpected('label matching', '"," or "}"');
				this.advance();
			}
			to = this.advance().pos + 1;
		}
		if (name) matchers.push({ name: '__name__', op: '=', value: name.val });
		const node: VectorSelectorNode = { kind: 'selector', type: 'vector', matchers, offset: 0, from, to };
		if (name) this.facts.named.add(node);
		return node;
	}

	/**
	 * Matchers run on RE2 (re2js), whose syntax and messages are Go's; Prometheus compiles
	 * `^(?:pattern)$`. Prometheus v2.42 was built with Go 1.19, which does not read `(?<name>`
	 * groups (later versions do, and so does re2js), so they are refused here too.
	 */
	checkRegex(pattern: string, from: number, to: number): void {
		let inClass = false;
		for (let i = 0; i < pattern.length; i++) {
			const c = pattern[i]!;
			if (c === '\\') i++;
			else if (inClass) inClass = c !== ']';
			else if (c === '[') {
				inClass = true;
				if (pattern[i + 1] === '^') i++;
				if (pattern[i + 1] === ']') i++;
			} else if (c === '(' && pattern.startsWith('?<', i + 1) && !pattern.startsWith('?<=', i + 1) && !pattern.startsWith('?<!', i + 1)) {
				this.fail('error parsing regexp: invalid or unsupported Perl syntax: `(?<`', from, to);
			}
		}
		try {
			RE2JS.compile(`^(?:${pattern})$`);
		} catch (err) {
			this.fail((err as Error).message, from, to);
		}
		try {
			matcherRegex(pattern);
		} catch (err) {
			this.fail((err as Error).message, from, to);
		}
	}

	/** Whether the current token can begin an expression. */
	private startsExpr(): boolean {
		const t = this.peek();
		return t === 'NUMBER' || t === 'STRING' || t === 'LEFT_PAREN' || t === 'LEFT_BRACE' || t === 'ADD' || t === 'SUB' || AGGREGATORS.has(t) || METRIC_IDENTIFIERS.has(t);
	}

	/** The arguments of a call or an aggregation, up to and with the closing parenthesis. */
	private args(): Operand[] {
		const args: Operand[] = [];
		if (this.peek() !== 'RIGHT_PAREN') {
			for (;;) {
				args.push(this.expr());
				if (this.peek() === 'RIGHT_PAREN') break;
				if (this.peek() !== 'COMMA') this.unexpected();
				const comma = this.advance();
				if (!this.startsExpr()) this.fail('trailing commas not allowed in function call args', comma.pos, comma.pos + 1);
			}
		}
		this.advance();
		return args;
	}

	private call(name: Token): Operand {
		this.advance(); // (
		const args = this.args();
		const close = { pos: this.lastClosing - 1 };
		if (!(name.val in FUNCTIONS)) this.fail(`unknown function with name ${JSON.stringify(name.val)}`, name.pos, name.pos + name.val.length);
		const fn = name.val as FunctionName;
		const node: CallNode = { kind: 'call', type: FUNCTIONS[fn].ret, fn, args: args.map((a) => a.node), from: name.pos, to: close.pos + 1 };
		return { node, paren: false, depth: 1 + Math.max(0, ...args.map((a) => a.depth)) };
	}

	private aggregate(opTok: Token): Operand {
		this.aggregations++;
		const r = this.aggregateBody(opTok);
		this.aggregations--;
		return r;
	}

	private aggregateBody(opTok: Token): Operand {
		const op = opTok.val.toLowerCase() as AggregateOp;
		let grouping: string[] | undefined;
		let without = false;
		const modifier = (): void => {
			without = this.advance().type === 'WITHOUT';
			grouping = this.groupingLabels();
		};
		if (this.peek() === 'BY' || this.peek() === 'WITHOUT') modifier();
		if (this.peek() !== 'LEFT_PAREN') this.unexpected('aggregation');
		this.advance();
		const args = this.args();
		if (grouping === undefined && (this.peek() === 'BY' || this.peek() === 'WITHOUT')) modifier();
		const from = opTok.pos;
		const to = this.lastClosing;
		if (args.length === 0) this.fail('no arguments for aggregate expression provided', from, to);
		const withParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
		const want = withParam ? 2 : 1;
		if (args.length !== want) this.fail(`wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`, from, to);
		const node: AggregateNode = { kind: 'aggregate', type: 'vector', op, expr: args[want - 1]!.node, grouping: grouping ?? [], without, from, to };
		if (withParam) node.param = args[0]!.node;
		return { node, paren: false, depth: 1 + Math.max(...args.map((a) => a.depth)) };
	}

	/** `offset`, `@`, `[range]` and `[range:step]` after an operand. */
	private postfix(operand: Operand): Operand {
		let e = operand;
		for (;;) {
			if (this.peek() === 'OFFSET') e = this.offset(e);
			else if (this.peek() === 'AT') e = this.at(e);
			else if (this.peek() === 'LEFT_BRACKET') e = this.bracket(e);
			else return e;
		}
	}

	private duration(t: Token): number {
		const ms = parseDuration(t.val);
		if (ms === undefined) this.fail(`not a valid duration string: ${JSON.stringify(t.val)}`, t.pos, t.pos + t.val.length);
		if (ms === 0) this.fail('duration must be greater than 0', t.pos, t.pos + t.val.length);
		return ms;
	}

	private offset(e: Operand): Operand {
		this.advance();
		let sign = 1;
		if (this.peek() === 'SUB') {
			sign = -1;
			this.advance();
		}
		if (this.peek() !== 'DURATION') this.unexpected('offset', 'duration');
		const ms = sign * this.duration(this.advance());
		const n = e.node;
		const target = e.paren ? undefined : n.kind === 'selector' ? n : n.kind === 'matrix' ? n.selector : n.kind === 'subquery' ? n : undefined;
		if (!target) this.fail('offset modifier must be preceded by an instant vector selector or range vector selector or a subquery', n.from, n.to);
		if (target.offset !== 0) this.fail('offset may not be set multiple times', n.from, n.to);
		target.offset = ms;
		n.to = this.lastClosing;
		return e;
	}

	private at(e: Operand): Operand {
		this.advance();
		let value: AtModifier;
		if (this.peek() === 'START' || this.peek() === 'END') {
			value = this.advance().type === 'START' ? 'start' : 'end';
			if (this.peek() !== 'LEFT_PAREN') this.unexpected('@', 'timestamp');
			this.advance();
			if (this.peek() !== 'RIGHT_PAREN') this.unexpected('@', 'timestamp');
			this.advance();
		} else {
			let sign = 1;
			if (this.peek() === 'ADD' || this.peek() === 'SUB') {
				sign = this.advance().type === 'SUB' ? -1 : 1;
			}
			if (this.peek() !== 'NUMBER') this.unexpected('@', 'timestamp');
			const t = this.advance();
			const v = parseNumber(t.val);
			if (v === undefined) this.fail(`error parsing number: strconv.ParseFloat: parsing ${JSON.stringify(t.val)}: invalid syntax`, t.pos, t.pos + t.val.length);
			const ts = sign * v;
			if (!Number.isFinite(ts) || ts >= 9223372036854775807 || ts <= -9223372036854775808) {
				this.fail(`timestamp out of bounds for @ modifier: ${goFixed6(ts)}`, e.node.from, e.node.to);
			}
			value = Math.round(ts * 1000);
		}
		const n = e.node;
		const target = e.paren ? undefined : n.kind === 'selector' ? n : n.kind === 'matrix' ? n.selector : n.kind === 'subquery' ? n : undefined;
		if (!target) this.fail('@ modifier must be preceded by an instant vector selector or range vector selector or a subquery', n.from, n.to);
		if (target.at !== undefined) this.fail('@ <timestamp> may not be set multiple times', n.from, n.to);
		target.at = value;
		n.to = this.lastClosing;
		return e;
	}

	private bracket(e: Operand): Operand {
		const open = this.advance();
		if (this.peek() !== 'DURATION') this.unexpected('subquery selector', 'duration');
		const range = this.duration(this.advance());
		if (this.peek() === 'RIGHT_BRACKET') {
			const close = this.advance();
			const n = e.node;
			let problem: string | undefined;
			if (n.kind !== 'selector' || e.paren) problem = 'ranges only allowed for vector selectors';
			else if (n.offset !== 0) problem = 'no offset modifiers allowed before range';
			// As in Prometheus v2.42, `@ start()` and `@ end()` before a range pass (only a time is checked).
			else if (typeof n.at === 'number') problem = 'no @ modifiers allowed before range';
			if (problem) this.fail(problem, open.pos, close.pos + 1);
			const node: MatrixSelectorNode = { kind: 'matrix', type: 'matrix', selector: n as VectorSelectorNode, range, from: n.from, to: close.pos + 1 };
			return { node, paren: false, depth: 2 };
		}
		if (this.peek() !== 'COLON') this.unexpected('subquery or range', '":" or "]"');
		this.advance();
		let step = 0;
		if (this.peek() === 'DURATION') step = this.duration(this.advance());
		else if (this.peek() !== 'RIGHT_BRACKET') this.unexpected('subquery selector', 'duration or "]"');
		if (this.peek() !== 'RIGHT_BRACKET') this.unexpected('subquery selector', '"]"');
		const close = this.advance();
		const node: SubqueryNode = { kind: 'subquery', type: 'matrix', expr: e.node, range, step, offset: 0, from: e.node.from, to: close.pos + 1 };
		return { node, paren: false, depth: e.depth + 1 };
	}

	private unary(op: '+' | '-', pos: number, e: Operand): Operand {
		if (e.node.kind === 'number' && !e.paren) {
			const n = e.node;
			return { node: { ...n, value: op === '-' ? -n.value : n.value, from: pos }, paren: false, depth: 1 };
		}
		const depth = e.depth + 1;
		if (depth > MAX_TREE_DEPTH) throw new PromQLError('unsupported', `expression nested more than ${MAX_TREE_DEPTH} levels deep`, pos, pos + 1, this.text);
		const t = e.node.type;
		const node: Node = { kind: 'unary', type: t === 'scalar' ? 'scalar' : 'vector', op, expr: e.node, from: pos, to: e.node.to };
		this.facts.unaryType.set(node, t);
		return { node, paren: false, depth };
	}

	private binary(op: Extract<StackOp, { kind: 'binary' }>, lhs: Operand, rhs: Operand): Operand {
		const depth = Math.max(lhs.depth, rhs.depth) + 1;
		if (depth > MAX_TREE_DEPTH) throw new PromQLError('unsupported', `expression nested more than ${MAX_TREE_DEPTH} levels deep`, op.pos, op.end, this.text);
		const l = lhs.node;
		const r = rhs.node;
		const node: BinaryNode = {
			kind: 'binary',
			type: l.type === 'scalar' && r.type === 'scalar' ? 'scalar' : 'vector',
			op: op.op,
			lhs: l,
			rhs: r,
			returnBool: op.returnBool,
			from: l.from,
			to: r.to,
			opFrom: op.pos,
			opTo: op.end
		};
		if (op.matching) node.matching = op.matching;
		return { node, paren: false, depth };
	}
}

/** parse.go's checkAST: types, arguments and vector matching; throws the first problem. */
class Checker {
	constructor(
		readonly text: string,
		private readonly facts: Facts
	) {}

	/** The type of a node as Prometheus' Type() gives it (a sign keeps its operand's). */
	private typeOf(n: Node): ValueType {
		return (n.kind === 'unary' && this.facts.unaryType.get(n)) || n.type;
	}

	fail(problem: string, from: number, to: number): never {
		throw new PromQLError('syntax', problem, from, Math.max(to, from), this.text);
	}

	expectType(n: Node, want: ValueType, context: string): void {
		const t = this.check(n);
		if (t !== want) this.fail(`expected type ${typeName(want)} in ${context}, got ${typeName(t)}`, n.from, n.to);
	}

	check(n: Node): ValueType {
		const t = this.typeOf(n);
		switch (n.kind) {
			case 'aggregate':
				this.expectType(n.expr, 'vector', 'aggregation expression');
				if (n.op === 'topk' || n.op === 'bottomk' || n.op === 'quantile') this.expectType(n.param!, 'scalar', 'aggregation parameter');
				if (n.op === 'count_values') this.expectType(n.param!, 'string', 'aggregation parameter');
				break;
			case 'binary':
				this.binary(n);
				break;
			case 'call':
				this.call(n);
				break;
			case 'unary': {
				const et = this.check(n.expr);
				if (et !== 'scalar' && et !== 'vector') this.fail(`unary expression only allowed on expressions of type scalar or instant vector, got "${typeName(et)}"`, n.from, n.to);
				break;
			}
			case 'subquery': {
				const et = this.check(n.expr);
				if (et !== 'vector') this.fail(`subquery is only allowed on instant vector, got ${et} instead`, n.from, n.to);
				break;
			}
			case 'matrix':
				this.check(n.selector);
				break;
			case 'selector':
				this.selector(n);
				break;
			default:
				break;
		}
		return t;
	}

	private selector(n: VectorSelectorNode): void {
		if (this.facts.named.has(n)) {
			// The name written before the braces is the last matcher (the parser appends it).
			const name = n.matchers[n.matchers.length - 1]!.value;
			for (const m of n.matchers.slice(0, -1)) {
				if (m.name === '__name__') this.fail(`metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(m.value)}`, n.from, n.to);
			}
			return;
		}
		if (!n.matchers.some((m) => !matchEmpty(m))) this.fail('vector selector must contain at least one non-empty matcher', n.from, n.to);
	}

	private call(n: CallNode): void {
		const s = FUNCTIONS[n.fn];
		const nargs = s.args.length;
		if (s.variadic === 0) {
			if (nargs !== n.args.length) this.fail(`expected ${nargs} argument(s) in call to ${JSON.stringify(n.fn)}, got ${n.args.length}`, n.from, n.to);
		} else {
			const na = nargs - 1;
			if (na > n.args.length) this.fail(`expected at least ${na} argument(s) in call to ${JSON.stringify(n.fn)}, got ${n.args.length}`, n.from, n.to);
			else if (s.variadic > 0 && na + s.variadic < n.args.length) this.fail(`expected at most ${na + s.variadic} argument(s) in call to ${JSON.stringify(n.fn)}, got ${n.args.length}`, n.from, n.to);
		}
		n.args.forEach((a, i) => {
			if (i >= nargs) {
				if (s.variadic === 0) return;
				i = nargs - 1;
			}
			this.expectType(a, s.args[i]!, `call to function ${JSON.stringify(n.fn)}`);
		});
	}

	private binary(n: BinaryNode): void {
		const lt = this.check(n.lhs);
		const rt = this.check(n.rhs);
		const opFrom = n.opFrom;
		const opTo = n.opTo;
		if (n.returnBool && !isComparison(n.op)) this.fail('bool modifier can only be used on comparison operators', opFrom, opTo);
		if (isComparison(n.op) && !n.returnBool && lt === 'scalar' && rt === 'scalar') this.fail('comparisons between scalars must use BOOL modifier', opFrom, opTo);
		const matching: VectorMatching = n.matching ?? { card: 'one-to-one', on: false, labels: [], include: [] };
		if (isSetOp(n.op) && matching.card === 'one-to-one') matching.card = 'many-to-many';
		if (matching.on) {
			for (const l of matching.labels) {
				if (matching.include.includes(l)) this.fail(`label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`, opFrom, opTo);
			}
		}
		if (lt !== 'scalar' && lt !== 'vector') this.fail('binary expression must contain only scalar and instant vector types', n.lhs.from, n.lhs.to);
		if (rt !== 'scalar' && rt !== 'vector') this.fail('binary expression must contain only scalar and instant vector types', n.rhs.from, n.rhs.to);
		if (lt !== 'vector' || rt !== 'vector') {
			if (matching.labels.length > 0) this.fail('vector matching only allowed between instant vectors', n.from, n.to);
			delete n.matching;
		} else {
			if (isSetOp(n.op) && (matching.card === 'one-to-many' || matching.card === 'many-to-one')) this.fail(`no grouping allowed for ${JSON.stringify(n.op)} operation`, n.from, n.to);
			n.matching = matching;
		}
		if ((lt === 'scalar' || rt === 'scalar') && isSetOp(n.op)) this.fail(`set operator ${JSON.stringify(n.op)} not allowed in binary scalar expression`, n.from, n.to);
	}
}

function matchEmpty(m: Matcher): boolean {
	switch (m.op) {
		case '=':
			return m.value === '';
		case '!=':
			return m.value !== '';
		case '=~':
			return matcherRegex(m.value).test('');
		case '!~':
			return !matcherRegex(m.value).test('');
	}
}

/**
 * The labels absent() and absent_over_time() give their series, as Prometheus v2.42 works them
 * out: the selector's matchers in order; an equality matcher sets its label unless an earlier
 * matcher of that label was seen, any other matcher of a label (a second equality too) removes
 * it. So `x{job="a",job="b",job="c"}` gives no job label. A subquery gives no labels.
 */
export function absentLabels(arg: Node): Labels {
	if (arg.kind !== 'selector' && arg.kind !== 'matrix') return {};
	const sel = arg.kind === 'matrix' ? arg.selector : arg;
	const out: Labels = {};
	const has = new Set<string>();
	for (const m of sel.matchers) {
		if (m.name === '__name__') continue;
		if (m.op === '=' && !has.has(m.name)) {
			if (m.value !== '') out[m.name] = m.value;
			has.add(m.name);
		} else delete out[m.name];
	}
	return out;
}

/**
 * Refuses, before parsing, text too long or too deeply nested to parse in bounded time and stack.
 */
function checkBounds(text: string): void {
	if (text.length > MAX_EXPR_LENGTH) throw new PromQLError('unsupported', `expression of ${text.length} characters: at most ${MAX_EXPR_LENGTH} are allowed`, 0, 0, text);
	let depth = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text[i]!;
		if (c === '"' || c === "'" || c === '`') {
			// Skip a string literal (escapes only outside backquotes).
			for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\' && c !== '`') i++;
		} else if (c === '#') {
			while (i < text.length && text[i] !== '\n') i++;
		} else if (c === '(' || c === '{' || c === '[') {
			if (++depth > MAX_EXPR_DEPTH) throw new PromQLError('unsupported', `expression nested more than ${MAX_EXPR_DEPTH} levels deep`, i, i + 1, text);
		} else if (c === ')' || c === '}' || c === ']') depth = Math.max(0, depth - 1);
	}
}

/** Parses a PromQL expression; throws PromQLError ('syntax', or 'unsupported' past the size limits). */
export function parseExpr(text: string): Expr {
	const root = parseRoot(text);
	if (root.type === 'string') throw new PromQLError('unsupported', 'unsupported string expression', root.from, root.to, text);
	return { text, type: root.type, root };
}

function parseRoot(text: string): Node {
	checkBounds(text);
	const parser = new Parser(text);
	const root = parser.parse();
	new Checker(text, parser.facts).check(root);
	walkCalls(root);
	return root;
}

/**
 * The value of an expression that is a string literal (`"text"`, in parentheses or not), which the
 * query API answers as Prometheus does; undefined for any other expression, or one that does not
 * parse (parseExpr says why).
 */
export function stringQuery(text: string): string | undefined {
	if (!/^\s*[("'`]/.test(text)) return undefined;
	try {
		const root = parseRoot(text);
		return root.kind === 'string' ? root.value : undefined;
	} catch {
		return undefined;
	}
}

/** Works out absent()'s labels. */
function walkCalls(root: Node): void {
	const stack: Node[] = [root];
	while (stack.length) {
		const n = stack.pop()!;
		switch (n.kind) {
			case 'call':
				if (n.fn === 'absent' || n.fn === 'absent_over_time') n.absentLabels = absentLabels(n.args[0]!);
				stack.push(...n.args);
				break;
			case 'aggregate':
				stack.push(n.expr);
				if (n.param) stack.push(n.param);
				break;
			case 'binary':
				stack.push(n.lhs, n.rhs);
				break;
			case 'unary':
			case 'subquery':
				stack.push(n.expr);
				break;
			case 'matrix':
				stack.push(n.selector);
				break;
			default:
				break;
		}
	}
}
