/**
 * Parses PromQL with the Prometheus project's grammar (@prometheus-io/lezer-promql) and converts
 * its tree into the engine's typed syntax tree (ast.ts), checking types as Prometheus v2.42's
 * parser does. Constructs outside the supported subset are refused with kind 'unsupported'.
 *
 * The grammar is written for editors and differs from Prometheus' own parser in two ways this
 * module corrects: postfix modifiers (`offset`, `[range]`, `@`, subqueries) bind to the whole
 * expression before them (`a + b offset 1m`), where Prometheus binds them to the nearest operand;
 * and a sign is part of a number literal, so `-2 ^ 2` would be (-2)^2, where Prometheus reads
 * -(2^2).
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { Labels } from '../../shared/series';
import { matcherRegex, type MatchOp, type Matcher } from '../tsdb/matchers';
import {
	isComparison,
	isSetOp,
	typeName,
	type AggregateNode,
	type AggregateOp,
	type BinaryNode,
	type BinaryOp,
	type CallNode,
	type FunctionName,
	type MatrixSelectorNode,
	type Node,
	type NumberNode,
	type ValueType,
	type VectorMatching,
	type VectorSelectorNode
} from './ast';
import { PromQLError } from './errors';
import { isDurationText, parseDuration, parseNumber, unquote } from './lex';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** A parsed expression. */
export interface Expr {
	readonly text: string;
	readonly type: 'vector' | 'scalar' | 'matrix';
	/** The syntax tree (ast.ts). */
	readonly root: Node;
}

const EXPR_NODES = new Set([
	'AggregateExpr',
	'BinaryExpr',
	'FunctionCall',
	'MatrixSelector',
	'NumberDurationLiteral',
	'OffsetExpr',
	'AnchoredExpr',
	'SmoothedExpr',
	'ParenExpr',
	'StringLiteral',
	'SubqueryExpr',
	'UnaryExpr',
	'VectorSelector',
	'StepInvariantExpr'
]);

const BINARY_OPS: Record<string, BinaryOp> = {
	Pow: '^',
	Mul: '*',
	Div: '/',
	Mod: '%',
	Add: '+',
	Sub: '-',
	Eql: '==',
	Neq: '!=',
	Gtr: '>',
	Lss: '<',
	Gte: '>=',
	Lte: '<=',
	And: 'and',
	Or: 'or',
	Unless: 'unless'
};

const AGGREGATE_OPS = new Set<AggregateOp>(['sum', 'avg', 'min', 'max', 'count', 'topk', 'bottomk', 'quantile']);

interface Signature {
	args: ValueType[];
	ret: 'scalar' | 'vector';
}

const M: ValueType = 'matrix';
const V: ValueType = 'vector';
const S: ValueType = 'scalar';

const FUNCTIONS: Record<FunctionName, Signature> = {
	rate: { args: [M], ret: 'vector' },
	irate: { args: [M], ret: 'vector' },
	increase: { args: [M], ret: 'vector' },
	delta: { args: [M], ret: 'vector' },
	deriv: { args: [M], ret: 'vector' },
	avg_over_time: { args: [M], ret: 'vector' },
	min_over_time: { args: [M], ret: 'vector' },
	max_over_time: { args: [M], ret: 'vector' },
	sum_over_time: { args: [M], ret: 'vector' },
	count_over_time: { args: [M], ret: 'vector' },
	last_over_time: { args: [M], ret: 'vector' },
	quantile_over_time: { args: [S, M], ret: 'vector' },
	stddev_over_time: { args: [M], ret: 'vector' },
	absent_over_time: { args: [M], ret: 'vector' },
	absent: { args: [V], ret: 'vector' },
	abs: { args: [V], ret: 'vector' },
	clamp_min: { args: [V, S], ret: 'vector' },
	clamp_max: { args: [V, S], ret: 'vector' },
	histogram_quantile: { args: [S, V], ret: 'vector' },
	time: { args: [], ret: 'scalar' },
	vector: { args: [S], ret: 'vector' },
	scalar: { args: [V], ret: 'scalar' }
};

/** A postfix modifier waiting for the operand it belongs to. */
type Postfix = { kind: 'offset' | 'range' | 'unsupported'; node: SyntaxNode };

class Converter {
	constructor(readonly text: string) {}

	src(n: { from: number; to: number }): string {
		return this.text.slice(n.from, n.to);
	}

	fail(kind: 'syntax' | 'unsupported', problem: string, from: number, to: number): never {
		throw new PromQLError(kind, problem, from, to, this.text);
	}

	children(n: SyntaxNode): SyntaxNode[] {
		const out: SyntaxNode[] = [];
		for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
		return out;
	}

	child(n: SyntaxNode, name: string): SyntaxNode | undefined {
		for (let c = n.firstChild; c; c = c.nextSibling) if (c.name === name) return c;
		return undefined;
	}

	exprChildren(n: SyntaxNode): SyntaxNode[] {
		return this.children(n).filter((c) => EXPR_NODES.has(c.name));
	}

	/** Converts an expression node; `post` are postfix modifiers to apply to its last operand. */
	conv(n: SyntaxNode, post: Postfix[] = []): Node {
		switch (n.name) {
			case 'BinaryExpr':
				return this.binary(n, post);
			case 'UnaryExpr': {
				const op = this.src(this.child(n, 'UnaryOp')!).trim() as '-' | '+';
				const inner = this.exprChildren(n)[0]!;
				return this.unary(op, n.from, this.conv(inner, post));
			}
			case 'NumberDurationLiteral': {
				const { sign, unsigned } = this.signedNumber(n);
				if (post.length === 0 || !sign) return this.number(n);
				return this.unary(sign, n.from, this.applyPost(unsigned, post));
			}
			case 'OffsetExpr':
				return this.conv(this.exprChildren(n)[0]!, [{ kind: 'offset', node: n }, ...post]);
			case 'MatrixSelector':
				return this.conv(this.exprChildren(n)[0]!, [{ kind: 'range', node: n }, ...post]);
			case 'SubqueryExpr':
			case 'StepInvariantExpr':
			case 'AnchoredExpr':
			case 'SmoothedExpr':
				return this.conv(this.exprChildren(n)[0]!, [{ kind: 'unsupported', node: n }, ...post]);
			default:
				return this.applyPost(this.primary(n), post);
		}
	}

	applyPost(node: Node, post: Postfix[]): Node {
		let out = node;
		for (const p of post) {
			const n = p.node;
			if (p.kind === 'unsupported') {
				const what =
					n.name === 'SubqueryExpr'
						? 'subquery'
						: n.name === 'StepInvariantExpr'
							? '@ modifier'
							: n.name === 'AnchoredExpr'
								? '"anchored" modifier'
								: '"smoothed" modifier';
				const at = n.name === 'SubqueryExpr' ? n : (this.child(n, 'At') ?? this.child(n, 'Anchored') ?? this.child(n, 'Smoothed') ?? n);
				this.fail('unsupported', `unsupported ${what}`, at.from, at.to);
			}
			if (p.kind === 'range') out = this.range(out, n);
			else out = this.offset(out, n);
		}
		return out;
	}

	range(inner: Node, n: SyntaxNode): MatrixSelectorNode {
		const durNode = this.child(n, 'DurationExpr')!;
		if (inner.kind !== 'selector' || inner.paren) this.fail('syntax', 'ranges only allowed for vector selectors', inner.from, n.to);
		if (inner.offset !== 0) this.fail('syntax', 'no offset modifiers allowed before range', inner.from, n.to);
		const range = this.duration(durNode);
		return { kind: 'matrix', type: 'matrix', selector: inner, range, from: inner.from, to: n.to };
	}

	offset(inner: Node, n: SyntaxNode): Node {
		if (inner.kind !== 'selector' && inner.kind !== 'matrix') this.fail('syntax', 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery', inner.from, n.to);
		const durNode = this.child(n, 'OffsetDurationExpr')!;
		let sign = 1;
		let d = durNode;
		for (;;) {
			const op = this.child(d, 'UnaryOp');
			if (!op) break;
			if (this.src(op).trim() === '-') sign = -sign;
			d = this.child(d, 'OffsetDurationExpr')!;
		}
		const ms = sign * this.duration(d);
		const sel = inner.paren ? undefined : inner.kind === 'matrix' ? inner.selector : inner.kind === 'selector' ? inner : undefined;
		if (!sel) this.fail('syntax', 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery', inner.from, n.to);
		if (sel.offset !== 0) this.fail('syntax', 'offset may not be set multiple times', inner.from, n.to);
		sel.offset = ms;
		inner.to = n.to;
		if (inner.kind === 'matrix') sel.to = n.to;
		return inner;
	}

	/** A duration of a range or offset, in ms (a plain number is seconds). */
	duration(n: SyntaxNode): number {
		const lit = this.child(n, 'NumberDurationLiteralInDurationContext');
		if (!lit || this.children(n).length !== 1) this.fail('unsupported', 'unsupported duration expression', n.from, n.to);
		const text = this.src(lit);
		let ms: number | undefined;
		if (isDurationText(text)) ms = parseDuration(text);
		else {
			const v = parseNumber(text);
			ms = v === undefined || !Number.isFinite(v) ? undefined : Math.round(v * 1000);
		}
		if (ms === undefined) this.fail('syntax', `bad duration "${text}"`, lit.from, lit.to);
		if (ms <= 0) this.fail('syntax', 'duration must be greater than 0', lit.from, lit.to);
		return ms;
	}

	unary(op: '-' | '+', from: number, expr: Node): Node {
		if (expr.type !== 'scalar' && expr.type !== 'vector') {
			this.fail('syntax', `unary expression only allowed on expressions of type scalar or instant vector, got "${typeName(expr.type)}"`, from, expr.to);
		}
		// Prometheus folds a sign into a number literal.
		if (expr.kind === 'number') return { ...expr, value: op === '-' ? -expr.value : expr.value, from };
		return { kind: 'unary', type: expr.type, op, expr, from, to: expr.to };
	}

	/** A number literal without its sign, and the sign. */
	signedNumber(n: SyntaxNode): { sign?: '-' | '+'; unsigned: NumberNode } {
		const raw = this.src(n).trim();
		const sign = raw[0] === '-' || raw[0] === '+' ? (raw[0] as '-' | '+') : undefined;
		// Whitespace and comments may stand between the sign and the number.
		const body = sign ? raw.slice(1).replace(/^(?:\s|#[^\n]*)*/, '') : raw;
		let v: number | undefined;
		if (isDurationText(body)) {
			const ms = parseDuration(body);
			v = ms === undefined ? undefined : ms / 1000;
		} else v = parseNumber(body);
		if (v === undefined) this.fail('syntax', `error parsing number "${body}"`, n.from, n.to);
		return { sign, unsigned: { kind: 'number', type: 'scalar', value: v, from: n.to - body.length, to: n.to } };
	}

	number(n: SyntaxNode): NumberNode {
		const { sign, unsigned } = this.signedNumber(n);
		return { ...unsigned, value: sign === '-' ? -unsigned.value : unsigned.value, from: n.from };
	}

	primary(n: SyntaxNode): Node {
		switch (n.name) {
			case 'ParenExpr': {
				const inner = this.conv(this.exprChildren(n)[0]!);
				// Keep the parentheses' span; absent() does not look through them (as Prometheus).
				if (inner.kind === 'selector' || inner.kind === 'matrix') return { ...inner, from: n.from, to: n.to, paren: true };
				return { ...inner, from: n.from, to: n.to };
			}
			case 'StringLiteral': {
				const r = unquote(this.src(n));
				if ('error' in r) this.fail('syntax', r.error, n.from, n.to);
				return { kind: 'string', type: 'string', value: r.value, from: n.from, to: n.to };
			}
			case 'VectorSelector':
				return this.selector(n);
			case 'FunctionCall':
				return this.call(n);
			case 'AggregateExpr':
				return this.aggregate(n);
			case 'NumberDurationLiteral':
				return this.number(n);
			default:
				return this.fail('syntax', `unexpected ${JSON.stringify(this.src(n))}`, n.from, n.to);
		}
	}

	selector(n: SyntaxNode): VectorSelectorNode {
		const matchers: Matcher[] = [];
		const ident = this.child(n, 'Identifier');
		const lm = this.child(n, 'LabelMatchers');
		if (lm) {
			for (const c of this.children(lm)) {
				if (c.name === 'UnquotedLabelMatcher') {
					const name = this.src(this.child(c, 'LabelName')!);
					const opNode = this.child(c, 'MatchOp')!;
					const op = this.src(opNode) as MatchOp;
					const strNode = this.child(c, 'StringLiteral')!;
					const r = unquote(this.src(strNode));
					if ('error' in r) this.fail('syntax', r.error, strNode.from, strNode.to);
					if (op === '=~' || op === '!~') this.checkRegex(r.value, strNode.from, strNode.to);
					matchers.push({ name, op, value: r.value });
				} else if (c.name === 'QuotedLabelMatcher' || c.name === 'QuotedLabelName') {
					this.fail('unsupported', 'unsupported quoted label name', c.from, c.to);
				}
			}
		}
		if (ident) {
			const name = this.src(ident);
			for (const m of matchers) {
				if (m.name === '__name__') this.fail('syntax', `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(m.value)}`, n.from, n.to);
			}
			matchers.push({ name: '__name__', op: '=', value: name });
		}
		if (!matchers.some((m) => !matchEmpty(m))) this.fail('syntax', 'vector selector must contain at least one non-empty matcher', n.from, n.to);
		return { kind: 'selector', type: 'vector', matchers, offset: 0, from: n.from, to: n.to };
	}

	/**
	 * Matchers run on RE2 (see matcherRegex), in linear time: no pattern can backtrack
	 * catastrophically. Syntax that JavaScript's and Go's regular expressions read differently,
	 * from when matchers ran on JavaScript's RegExp, is still refused: backreferences, lookarounds,
	 * named groups, inline flags, Unicode classes, \Q..\E, \z, \A, POSIX classes, \x{..}, \u, \c,
	 * and `[]` / `[^]` classes. One difference remains: `.` matches a newline here (the DOTALL
	 * flag), not in Prometheus v2.42.
	 */
	checkRegex(pattern: string, from: number, to: number): void {
		const refuse = (what: string): never => this.fail('unsupported', `unsupported regular expression syntax ${what} in ${JSON.stringify(pattern)}`, from, to);
		let inClass = false;
		for (let i = 0; i < pattern.length; i++) {
			const c = pattern[i]!;
			if (c === '\\') {
				const e = pattern[i + 1] ?? '';
				if (/[1-9]/.test(e)) refuse(`"\\${e}" (backreference)`);
				if ('kpPQEzAuc'.includes(e) && e !== '') refuse(`"\\${e}"`);
				if (e === 'x' && pattern[i + 2] === '{') refuse('"\\x{"');
				i++;
				continue;
			}
			if (inClass) {
				if (c === '[' && pattern[i + 1] === ':') refuse('"[:" (POSIX class)');
				if (c === ']') inClass = false;
				continue;
			}
			if (c === '[') {
				inClass = true;
				if (pattern[i + 1] === ']' || (pattern[i + 1] === '^' && pattern[i + 2] === ']')) refuse(`"${pattern[i + 1] === ']' ? '[]' : '[^]'}"`);
				if (pattern[i + 1] === '^') i++;
				if (pattern[i + 1] === '[' && pattern[i + 2] === ':') refuse('"[:" (POSIX class)');
				continue;
			}
			if (c === '(' && pattern[i + 1] === '?') {
				const rest = pattern.slice(i + 2);
				if (rest.startsWith(':')) continue;
				if (/^(=|!|<=|<!)/.test(rest)) refuse(`"(?${/^(<?[=!])/.exec(rest)![1]}" (lookaround)`);
				if (/^P?</.test(rest)) refuse('"(?<" (named group)');
				refuse(`"(?${rest.slice(0, 1)}" (inline flags)`);
			}
		}
		try {
			matcherRegex(pattern);
		} catch (err) {
			this.fail('syntax', (err as Error).message, from, to);
		}
	}

	call(n: SyntaxNode): CallNode {
		const idNode = this.child(n, 'FunctionIdentifier')!;
		const name = this.src(idNode);
		if (!(name in FUNCTIONS)) this.fail('unsupported', `unsupported function ${JSON.stringify(name)}`, idNode.from, idNode.to);
		const fn = name as FunctionName;
		const sig = FUNCTIONS[fn];
		const argNodes = this.exprChildren(this.child(n, 'FunctionCallBody')!);
		const args = argNodes.map((a) => this.conv(a));
		if (args.length !== sig.args.length) this.fail('syntax', `expected ${sig.args.length} argument(s) in call to ${JSON.stringify(fn)}, got ${args.length}`, n.from, n.to);
		args.forEach((a, i) => this.expectType(a, sig.args[i]!, `call to function ${JSON.stringify(fn)}`));
		const node: CallNode = { kind: 'call', type: sig.ret, fn, args, from: n.from, to: n.to };
		if (fn === 'absent' || fn === 'absent_over_time') node.absentLabels = absentLabels(args[0]!);
		return node;
	}

	aggregate(n: SyntaxNode): AggregateNode {
		const opNode = this.child(n, 'AggregateOp')!;
		const opText = this.src(opNode).toLowerCase();
		if (!AGGREGATE_OPS.has(opText as AggregateOp)) this.fail('unsupported', `unsupported aggregation ${JSON.stringify(opText)}`, opNode.from, opNode.to);
		const op = opText as AggregateOp;
		let grouping: string[] = [];
		let without = false;
		const mod = this.child(n, 'AggregateModifier');
		if (mod) {
			without = !!this.child(mod, 'Without');
			grouping = this.groupingLabels(this.child(mod, 'GroupingLabels')!);
		}
		const args = this.exprChildren(this.child(n, 'FunctionCallBody')!).map((a) => this.conv(a));
		if (args.length === 0) this.fail('syntax', 'no arguments for aggregate expression provided', n.from, n.to);
		const withParam = op === 'topk' || op === 'bottomk' || op === 'quantile';
		const want = withParam ? 2 : 1;
		if (args.length !== want) this.fail('syntax', `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`, n.from, n.to);
		const expr = args[want - 1]!;
		this.expectType(expr, 'vector', 'aggregation expression');
		const node: AggregateNode = { kind: 'aggregate', type: 'vector', op, expr, grouping, without, from: n.from, to: n.to };
		if (withParam) {
			this.expectType(args[0]!, 'scalar', 'aggregation parameter');
			node.param = args[0]!;
		}
		return node;
	}

	groupingLabels(n: SyntaxNode): string[] {
		const out: string[] = [];
		for (const c of this.children(n)) {
			if (c.name === 'LabelName') out.push(this.src(c));
			else if (c.name === 'QuotedLabelName') this.fail('unsupported', 'unsupported quoted label name', c.from, c.to);
		}
		return out;
	}

	binary(n: SyntaxNode, post: Postfix[]): BinaryNode {
		const kids = this.children(n);
		const exprs = kids.filter((c) => EXPR_NODES.has(c.name));
		const opNode = kids.find((c) => !EXPR_NODES.has(c.name))!;
		const op = BINARY_OPS[opNode.name];
		if (!op) this.fail('unsupported', `unsupported operator ${JSON.stringify(this.src(opNode))}`, opNode.from, opNode.to);
		const fill = this.child(n, 'FillModifier');
		if (fill) this.fail('unsupported', 'unsupported fill modifier', fill.from, fill.to);
		const lhsNode = exprs[0]!;
		const rhsNode = exprs[1]!;
		const rhs = this.conv(rhsNode, post);
		// A sign belongs to the number in the grammar, but `^` binds tighter than a sign in
		// Prometheus: -2 ^ 2 is -(2 ^ 2).
		if (op === '^' && lhsNode.name === 'NumberDurationLiteral') {
			const { sign, unsigned } = this.signedNumber(lhsNode);
			if (sign) return this.unary(sign, lhsNode.from, this.makeBinary(n, op, unsigned, rhs, opNode)) as BinaryNode;
		}
		return this.makeBinary(n, op, this.conv(lhsNode), rhs, opNode);
	}

	makeBinary(n: SyntaxNode, op: BinaryOp, lhs: Node, rhs: Node, opNode: SyntaxNode): BinaryNode {
		const returnBool = !!this.child(n, 'BoolModifier');
		const mm = this.child(n, 'MatchingModifierClause');
		let matching: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
		let explicitMatching = false;
		if (mm) {
			explicitMatching = true;
			const groups = this.children(mm).filter((c) => c.name === 'GroupingLabels');
			matching = {
				card: this.child(mm, 'GroupLeft') ? 'many-to-one' : this.child(mm, 'GroupRight') ? 'one-to-many' : 'one-to-one',
				on: !!this.child(mm, 'On'),
				labels: this.groupingLabels(groups[0]!),
				include: groups[1] ? this.groupingLabels(groups[1]) : []
			};
		}
		const opFrom = opNode.from;
		const opTo = mm ? mm.to : opNode.to;
		const from = lhs.from;
		const to = rhs.to;
		if (returnBool && !isComparison(op)) this.fail('syntax', 'bool modifier can only be used on comparison operators', opFrom, opTo);
		if (isComparison(op) && !returnBool && lhs.type === 'scalar' && rhs.type === 'scalar') this.fail('syntax', 'comparisons between scalars must use BOOL modifier', opFrom, opTo);
		if (isSetOp(op) && matching.card === 'one-to-one') matching.card = 'many-to-many';
		if (matching.on) {
			for (const l of matching.labels) {
				if (matching.include.includes(l)) this.fail('syntax', `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`, opFrom, opTo);
			}
		}
		if (lhs.type !== 'scalar' && lhs.type !== 'vector') this.fail('syntax', 'binary expression must contain only scalar and instant vector types', lhs.from, lhs.to);
		if (rhs.type !== 'scalar' && rhs.type !== 'vector') this.fail('syntax', 'binary expression must contain only scalar and instant vector types', rhs.from, rhs.to);
		const bothVectors = lhs.type === 'vector' && rhs.type === 'vector';
		if (!bothVectors && explicitMatching && matching.labels.length > 0) this.fail('syntax', 'vector matching only allowed between instant vectors', from, to);
		if (bothVectors && isSetOp(op) && (matching.card === 'one-to-many' || matching.card === 'many-to-one')) {
			this.fail('syntax', `no grouping allowed for ${JSON.stringify(op)} operation`, from, to);
		}
		if ((lhs.type === 'scalar' || rhs.type === 'scalar') && isSetOp(op)) this.fail('syntax', `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`, from, to);
		const node: BinaryNode = {
			kind: 'binary',
			type: bothVectors || lhs.type === 'vector' || rhs.type === 'vector' ? 'vector' : 'scalar',
			op,
			lhs,
			rhs,
			returnBool,
			from,
			to,
			opFrom,
			opTo
		};
		if (bothVectors) node.matching = matching;
		return node;
	}

	expectType(node: Node, want: ValueType, context: string): void {
		if (node.type !== want) this.fail('syntax', `expected type ${typeName(want)} in ${context}, got ${typeName(node.type)}`, node.from, node.to);
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
 * out (also through parentheses): the selector's matchers in order, an equality matcher sets its
 * label if not yet set, any other matcher of a label (a second equality too) removes it.
 */
function absentLabels(arg: Node): Labels {
	if (arg.kind !== 'selector' && arg.kind !== 'matrix') return {};
	const sel = arg.kind === 'matrix' ? arg.selector : arg;
	const out: Labels = {};
	for (const m of sel.matchers) {
		if (m.name === '__name__') continue;
		if (m.op === '=' && !(m.name in out)) {
			if (m.value !== '') out[m.name] = m.value;
		} else delete out[m.name];
	}
	return out;
}

/** The first error node of the grammar's tree, if any. */
function firstError(top: SyntaxNode): { from: number; to: number } | undefined {
	const c = top.cursor();
	do {
		if (c.type.isError) return { from: c.from, to: c.to };
	} while (c.next());
	return undefined;
}

function syntaxProblem(text: string, at: { from: number; to: number }): string {
	if (at.from >= text.trimEnd().length) return 'unexpected end of input';
	const bad = at.to > at.from ? text.slice(at.from, at.to) : (/^(\w+|"[^"]*"?|'[^']*'?|\S)/.exec(text.slice(at.from).trimStart())?.[0] ?? '');
	return `unexpected ${JSON.stringify(bad.trim() || bad)}`;
}

/** Longest expression text parseExpr reads. */
export const MAX_EXPR_LENGTH = 64 * 1024;
/** Deepest nesting of parentheses, braces and brackets parseExpr reads. */
export const MAX_EXPR_DEPTH = 256;

/**
 * Refuses, before the grammar sees it, text too long or too deeply nested to parse in bounded time
 * and stack (the grammar gives up on its own near 2,800 levels, with a misleading "unexpected").
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

/** Parses a PromQL expression; throws PromQLError ('syntax' or 'unsupported'). */
export function parseExpr(text: string): Expr {
	if (text.trim() === '') throw new PromQLError('syntax', 'empty expression', 0, 0, text);
	checkBounds(text);
	const tree = parser.parse(text);
	const top = tree.topNode;
	const err = firstError(top);
	if (err) {
		const from = err.to > err.from ? err.from : text.slice(err.from).length - text.slice(err.from).trimStart().length + err.from;
		throw new PromQLError('syntax', syntaxProblem(text, err), Math.min(from, text.length), Math.max(err.to, Math.min(from + 1, text.length)), text);
	}
	const conv = new Converter(text);
	const exprNode = conv.exprChildren(top)[0];
	if (!exprNode) throw new PromQLError('syntax', 'empty expression', 0, 0, text);
	const root = conv.conv(exprNode);
	if (root.type === 'string') throw new PromQLError('unsupported', 'unsupported string expression', root.from, root.to, text);
	return { text, type: root.type, root };
}
