/**
 * The typed syntax tree the engine evaluates, built by parse.ts as Prometheus v2.42's parser builds
 * its own. Every node keeps its span in the text, for errors.
 */
import type { Labels } from '../../shared/series';
import type { Matcher } from '../tsdb';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type CompareOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithOp | CompareOp | SetOp;

export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'quantile' | 'count_values';

/** Functions of a range vector (their argument of type matrix is the last but for holt_winters and predict_linear). */
export type RangeFunction =
	| 'rate'
	| 'irate'
	| 'increase'
	| 'delta'
	| 'idelta'
	| 'deriv'
	| 'predict_linear'
	| 'holt_winters'
	| 'changes'
	| 'resets'
	| 'avg_over_time'
	| 'min_over_time'
	| 'max_over_time'
	| 'sum_over_time'
	| 'count_over_time'
	| 'last_over_time'
	| 'quantile_over_time'
	| 'stddev_over_time'
	| 'stdvar_over_time'
	| 'present_over_time'
	| 'absent_over_time';

/** Functions applied to each element of an instant vector, dropping the metric name. */
export type MathFunction =
	| 'abs'
	| 'ceil'
	| 'floor'
	| 'exp'
	| 'sqrt'
	| 'ln'
	| 'log2'
	| 'log10'
	| 'sgn'
	| 'acos'
	| 'acosh'
	| 'asin'
	| 'asinh'
	| 'atan'
	| 'atanh'
	| 'cos'
	| 'cosh'
	| 'sin'
	| 'sinh'
	| 'tan'
	| 'tanh'
	| 'deg'
	| 'rad';

/** Functions of the time of each element's value (seconds since the epoch), or of the evaluation time. */
export type DateFunction = 'days_in_month' | 'day_of_month' | 'day_of_week' | 'day_of_year' | 'hour' | 'minute' | 'month' | 'year';

export type InstantFunction =
	| MathFunction
	| DateFunction
	| 'absent'
	| 'clamp'
	| 'clamp_min'
	| 'clamp_max'
	| 'round'
	| 'histogram_quantile'
	| 'histogram_count'
	| 'histogram_sum'
	| 'histogram_fraction'
	| 'label_replace'
	| 'label_join'
	| 'sort'
	| 'sort_desc'
	| 'timestamp'
	| 'time'
	| 'pi'
	| 'vector'
	| 'scalar';

export type FunctionName = RangeFunction | InstantFunction;

interface Base {
	from: number;
	to: number;
}

export interface NumberNode extends Base {
	kind: 'number';
	type: 'scalar';
	value: number;
}

export interface StringNode extends Base {
	kind: 'string';
	type: 'string';
	value: string;
}

/** The `@` modifier: a time (epoch ms), or the start or end of the query (`start()`, `end()`). */
export type AtModifier = number | 'start' | 'end';

export interface VectorSelectorNode extends Base {
	kind: 'selector';
	type: 'vector';
	matchers: Matcher[];
	/** ms, may be negative. */
	offset: number;
	/** `@`: evaluated at this time (minus the offset) whatever the evaluation time. */
	at?: AtModifier;
	/** Written in parentheses (no offset or range may follow then). */
	paren?: boolean;
}

export interface MatrixSelectorNode extends Base {
	kind: 'matrix';
	type: 'matrix';
	selector: VectorSelectorNode;
	/** ms, > 0. */
	range: number;
	paren?: boolean;
}

/** `expr[range:step]`: the expression evaluated at every multiple of the step in the range. */
export interface SubqueryNode extends Base {
	kind: 'subquery';
	type: 'matrix';
	expr: Node;
	/** ms, > 0. */
	range: number;
	/** ms; 0 when not written (then the evaluation's default step). */
	step: number;
	/** ms, may be negative. */
	offset: number;
	at?: AtModifier;
	paren?: boolean;
}

export interface UnaryNode extends Base {
	kind: 'unary';
	type: 'scalar' | 'vector';
	op: '-' | '+';
	expr: Node;
}

/** `on`/`ignoring` and `group_left`/`group_right` of a binary operation between two vectors. */
export interface VectorMatching {
	card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
	on: boolean;
	labels: string[];
	/** Extra labels of group_left/group_right, taken from the "one" side. */
	include: string[];
}

export interface BinaryNode extends Base {
	kind: 'binary';
	type: 'scalar' | 'vector';
	op: BinaryOp;
	lhs: Node;
	rhs: Node;
	returnBool: boolean;
	/** Set when both sides are vectors. */
	matching?: VectorMatching;
	/** Span of the operator, for errors. */
	opFrom: number;
	opTo: number;
}

export interface CallNode extends Base {
	kind: 'call';
	type: 'scalar' | 'vector';
	fn: FunctionName;
	args: Node[];
	/** absent() and absent_over_time(): the labels of the series they give. */
	absentLabels?: Labels;
}

export interface AggregateNode extends Base {
	kind: 'aggregate';
	type: 'vector';
	op: AggregateOp;
	expr: Node;
	param?: Node;
	grouping: string[];
	without: boolean;
}

export type Node = NumberNode | StringNode | VectorSelectorNode | MatrixSelectorNode | SubqueryNode | UnaryNode | BinaryNode | CallNode | AggregateNode;

/** Calls `visit` on the node and every node below it, parents first. */
export function walk(node: Node, visit: (n: Node) => void): void {
	visit(node);
	switch (node.kind) {
		case 'matrix':
			walk(node.selector, visit);
			break;
		case 'subquery':
		case 'unary':
			walk(node.expr, visit);
			break;
		case 'binary':
			walk(node.lhs, visit);
			walk(node.rhs, visit);
			break;
		case 'call':
			for (const a of node.args) walk(a, visit);
			break;
		case 'aggregate':
			if (node.param) walk(node.param, visit);
			walk(node.expr, visit);
			break;
		default:
			break;
	}
}

/** The selectors of an expression: range selectors, and instant selectors not inside one (also inside subqueries). */
export function selectorNodes(root: Node): (VectorSelectorNode | MatrixSelectorNode)[] {
	const out: (VectorSelectorNode | MatrixSelectorNode)[] = [];
	const visit = (n: Node): void => {
		switch (n.kind) {
			case 'matrix':
			case 'selector':
				out.push(n);
				break;
			case 'subquery':
			case 'unary':
				visit(n.expr);
				break;
			case 'binary':
				visit(n.lhs);
				visit(n.rhs);
				break;
			case 'call':
				n.args.forEach(visit);
				break;
			case 'aggregate':
				if (n.param) visit(n.param);
				visit(n.expr);
				break;
			default:
				break;
		}
	};
	visit(root);
	return out;
}

export function isComparison(op: BinaryOp): op is CompareOp {
	return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

export function isSetOp(op: BinaryOp): op is SetOp {
	return op === 'and' || op === 'or' || op === 'unless';
}

/** Arithmetic drops the metric name; comparisons keep it (unless `bool`), and so does atan2 in Prometheus v2.42. */
export function dropsName(op: BinaryOp): boolean {
	return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^';
}

export function typeName(t: ValueType): string {
	return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}
