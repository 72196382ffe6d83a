/**
 * The typed syntax tree the engine evaluates, built from the Prometheus grammar's parse tree by
 * parse.ts. Every node keeps its span in the text, for errors.
 */
import type { Labels } from '../../shared/series';
import type { Matcher } from '../tsdb/matchers';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '^';
export type CompareOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithOp | CompareOp | SetOp;

export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'topk' | 'bottomk' | 'quantile';

export type RangeFunction =
	| 'rate'
	| 'irate'
	| 'increase'
	| 'delta'
	| 'deriv'
	| 'avg_over_time'
	| 'min_over_time'
	| 'max_over_time'
	| 'sum_over_time'
	| 'count_over_time'
	| 'last_over_time'
	| 'quantile_over_time'
	| 'stddev_over_time'
	| 'absent_over_time';

export type InstantFunction = 'absent' | 'abs' | 'clamp_min' | 'clamp_max' | 'histogram_quantile' | 'time' | 'vector' | 'scalar';

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

export interface VectorSelectorNode extends Base {
	kind: 'selector';
	type: 'vector';
	matchers: Matcher[];
	/** ms, may be negative. */
	offset: number;
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

export type Node = NumberNode | StringNode | VectorSelectorNode | MatrixSelectorNode | UnaryNode | BinaryNode | CallNode | AggregateNode;

/** Calls `visit` on the node and every node below it, parents first. */
export function walk(node: Node, visit: (n: Node) => void): void {
	visit(node);
	switch (node.kind) {
		case 'matrix':
			walk(node.selector, visit);
			break;
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

/** The selectors of an expression: range selectors, and instant selectors not inside one. */
export function selectorNodes(root: Node): (VectorSelectorNode | MatrixSelectorNode)[] {
	const out: (VectorSelectorNode | MatrixSelectorNode)[] = [];
	const visit = (n: Node): void => {
		switch (n.kind) {
			case 'matrix':
			case 'selector':
				out.push(n);
				break;
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

/** Arithmetic drops the metric name; comparisons keep it (unless `bool`). */
export function dropsName(op: BinaryOp): boolean {
	return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^';
}

export function typeName(t: ValueType): string {
	return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}
