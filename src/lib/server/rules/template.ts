/**
 * Templates in rule labels and annotations: the subset of Go's text/template that Prometheus rules
 * use. Data: `$labels`/`.Labels` (the series' labels), `$value`/`.Value` (its value),
 * `$externalLabels`/`.ExternalLabels`, `$externalURL`. Functions: humanize, humanize1024,
 * humanizePercentage, humanizeDuration, printf, toUpper, toLower, title. `{{ if }}` and
 * `{{ with }}` (`.` is the value inside it), with `{{ else }}` and `{{ end }}`. Comments and
 * `{{-`/`-}}` trimming as in Go. Anything else is refused when the template is compiled, with its
 * position.
 * Output is plain text, never HTML-escaped.
 */
import type { Labels } from '../../shared/series';
import {
	FormatError,
	goTitle,
	goToLower,
	goToUpper,
	humanize,
	humanize1024,
	humanizeDuration,
	humanizePercentage,
	parseFormat,
	parseGoFloat,
	sprint,
	sprintf,
	type GoValue
} from './gofmt';

export interface TemplateData {
	labels: Labels;
	value: number;
	externalLabels?: Labels;
	externalURL?: string;
}

export interface CompiledTemplate {
	readonly source: string;
	/** The template has no actions: it renders as its text. */
	readonly constant: boolean;
	/** Renders; a run-time failure renders as `<error expanding template: ...>`, as Prometheus does. */
	render(data: TemplateData): string;
}

/** A template the rules refuse; line and column (1-based) point into the template text. */
export class TemplateError extends Error {
	override name = 'TemplateError';
	constructor(
		readonly reason: string,
		readonly offset: number,
		readonly line: number,
		readonly column: number
	) {
		super(`${reason} at ${line}:${column}`);
	}
}

type Root = 'labels' | 'value' | 'externalLabels' | 'externalURL';
type StaticType = 'float' | 'int' | 'string' | 'map';

type Operand =
	| { kind: 'data'; root: Root; key?: string; at: number; src: string }
	/** `.` inside `{{ with }}`: the value the with tested. */
	| { kind: 'dot'; at: number; src: string }
	| { kind: 'literal'; value: GoValue; at: number; src: string }
	| { kind: 'pipe'; pipe: Command[]; at: number; src: string };

interface Command {
	fn?: FnName;
	args: Operand[];
	at: number;
}

type Node =
	| { kind: 'text'; text: string }
	| { kind: 'action'; pipe: Command[] }
	| { kind: 'if' | 'with'; pipe: Command[]; then: Node[]; otherwise: Node[]; at: number };

/** The value type of `.` where the parser is: inside `{{ with }}`, the with's pipeline type. */
interface Scope {
	dot: StaticType | undefined;
}

const FUNCTIONS = ['humanize', 'humanize1024', 'humanizePercentage', 'humanizeDuration', 'printf', 'toUpper', 'toLower', 'title'] as const;
type FnName = (typeof FUNCTIONS)[number];

const KNOWN_GO = new Set([
	'if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'and', 'or', 'not', 'len', 'index',
	'slice', 'print', 'println', 'html', 'js', 'urlquery', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'call', 'query', 'first', 'label',
	'value', 'strvalue', 'args', 'reReplaceAll', 'safeHtml', 'match', 'graphLink', 'tableLink', 'sortByLabel', 'humanizeTimestamp',
	'pathPrefix', 'externalURL', 'parseDuration', 'toTime', 'stripPort', 'stripDomain', 'true', 'false', 'nil'
]);

/** Name Prometheus gives the template (it appears in run-time error messages). */
const DEFS_LENGTH = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}'.length;

const SPACE = /[ \t\r\n]/;

class Parser {
	private i = 0;
	constructor(private readonly text: string) {}

	fail(reason: string, at = this.i): never {
		let line = 1;
		let col = 1;
		for (let k = 0; k < at && k < this.text.length; k++) {
			if (this.text[k] === '\n') {
				line++;
				col = 1;
			} else col++;
		}
		throw new TemplateError(reason, at, line, col);
	}

	/** The list the parser adds nodes to: the root's, or an open block's branch. */
	private nodes: Node[] = [];
	/** Open blocks: the node, the list to return to, and whether its else was seen. */
	private readonly open: Array<{ node: Extract<Node, { kind: 'if' | 'with' }>; parent: Node[]; inElse: boolean }> = [];
	/** The last action ended with `-}}`: the text after it loses its leading space. */
	private trimNext = false;

	parse(): Node[] {
		const root: Node[] = [];
		this.nodes = root;
		const t = this.text;
		while (this.i <= t.length) {
			const openAt = t.indexOf('{{', this.i);
			let text = t.slice(this.i, openAt < 0 ? t.length : openAt);
			if (this.trimNext) text = text.replace(/^[ \t\r\n]+/, '');
			this.trimNext = false;
			if (openAt < 0) {
				if (text) this.nodes.push({ kind: 'text', text });
				break;
			}
			let j = openAt + 2;
			const trimLeft = t[j] === '-' && SPACE.test(t[j + 1] ?? '');
			if (trimLeft) {
				text = text.replace(/[ \t\r\n]+$/, '');
				j += 2;
			}
			if (text) this.nodes.push({ kind: 'text', text });
			this.i = j;
			if (!this.comment(trimLeft)) this.action();
		}
		const last = this.open[this.open.length - 1];
		if (last) this.fail(`unexpected EOF: {{${last.node.kind}}} has no {{end}}`, last.node.at);
		return root;
	}

	/** A comment, from `{{/*` to its closing star-slash and `}}`, possibly with trim markers. False: not one (nothing read). */
	private comment(trimLeft: boolean): boolean {
		const t = this.text;
		let k = this.i;
		while (trimLeft && SPACE.test(t[k] ?? '')) k++;
		if (!t.startsWith('/*', k)) return false;
		const end = t.indexOf('*/', k + 2);
		if (end < 0) this.fail('unclosed comment', k);
		let m = end + 2;
		if (t.startsWith(' -}}', m) || (SPACE.test(t[m] ?? '') && t.startsWith('-}}', m + 1))) {
			this.trimNext = true;
			m += 4;
		} else if (t.startsWith('}}', m)) m += 2;
		else this.fail('comment ends in the middle of an action', m);
		this.i = m;
		return true;
	}

	/** One action, after `{{`: a block's start, else or end, or a command; then its closing delimiter. */
	private action(): void {
		const t = this.text;
		this.skipSpace();
		const keyword = /^(if|with|else|end|range)(?![\p{L}\p{Nd}_])/u.exec(t.slice(this.i))?.[1];
		const at = this.i;
		if (keyword === 'range') this.fail('"range" is not supported in Vigil rule templates', at);
		if (keyword === 'end' || keyword === 'else') this.blockEnd(keyword, at);
		else if (keyword === 'if' || keyword === 'with') this.blockStart(keyword, at);
		else {
			const pipe = this.pipeline(false);
			if (pipe.length === 0) this.fail('missing value for command', this.i);
			checkPipe(this, pipe, this.scope());
			this.nodes.push({ kind: 'action', pipe });
		}
		// At the closing delimiter.
		if (t[this.i] === '-' && t.startsWith('-}}', this.i)) {
			this.trimNext = true;
			this.i += 3;
		} else this.i += 2;
	}

	/** {{if ...}} or {{with ...}}: a block opens, and its nodes go to its then-branch. */
	private blockStart(keyword: 'if' | 'with', at: number): void {
		this.i += keyword.length;
		const pipe = this.pipeline(false);
		if (pipe.length === 0) this.fail(`missing value for ${keyword}`, this.i);
		const type = checkPipe(this, pipe, this.scope());
		const node: Extract<Node, { kind: 'if' | 'with' }> = { kind: keyword, pipe, then: [], otherwise: [], at };
		this.nodes.push(node);
		this.open.push({ node, parent: this.nodes, inElse: false });
		// Inside with, `.` is the value tested; inside if, it stays what it was.
		this.scopes.push({ dot: keyword === 'with' ? type : this.scope().dot });
		this.nodes = node.then;
	}

	/** {{else}} (the innermost block's other branch) or {{end}} (the block closes). */
	private blockEnd(keyword: 'end' | 'else', at: number): void {
		const t = this.text;
		this.i += keyword.length;
		this.skipSpace();
		if (!this.atClose()) this.fail(keyword === 'else' ? `"else ${/^\S*/.exec(t.slice(this.i))![0]}" is not supported; nest the block in {{ else }}` : `unexpected "${t[this.i]}" in end`, at);
		const top = this.open[this.open.length - 1];
		if (!top) this.fail(`unexpected {{${keyword}}}`, at);
		if (keyword === 'else') {
			if (top.inElse) this.fail('more than one {{else}} in a block', at);
			top.inElse = true;
			this.nodes = top.node.otherwise;
			this.scopes.pop();
		} else {
			this.open.pop();
			if (!top.inElse) this.scopes.pop();
			this.nodes = top.parent;
		}
	}

	/** Scopes of the blocks the parser is in (the innermost last). */
	private readonly scopes: Scope[] = [{ dot: undefined }];

	scope(): Scope {
		return this.scopes[this.scopes.length - 1]!;
	}

	private skipSpace(): void {
		while (this.i < this.text.length && SPACE.test(this.text[this.i]!)) this.i++;
	}

	/** True at `}}` or ` -}}` (the space was skipped): the end of the action. */
	private atClose(): boolean {
		const t = this.text;
		if (t.startsWith('}}', this.i)) return true;
		return t.startsWith('-}}', this.i) && this.i > 0 && SPACE.test(t[this.i - 1]!);
	}

	private pipeline(inParens: boolean): Command[] {
		const cmds: Command[] = [];
		for (;;) {
			this.skipSpace();
			if (this.i >= this.text.length) this.fail(inParens ? 'unclosed left parenthesis' : 'unclosed action');
			if (inParens ? this.text[this.i] === ')' : this.atClose()) {
				if (cmds.length > 0) this.fail('missing command after |');
				return cmds;
			}
			const cmd = this.command(inParens);
			cmds.push(cmd);
			this.skipSpace();
			if (this.text[this.i] === '|') {
				this.i++;
				continue;
			}
			if (inParens ? this.text[this.i] === ')' : this.atClose()) return cmds;
			this.fail(`unexpected "${this.text[this.i]}"`);
		}
	}

	private command(inParens: boolean): Command {
		const at = this.i;
		const words: Array<Operand | { kind: 'fn'; name: FnName; at: number }> = [];
		for (;;) {
			this.skipSpace();
			const c = this.text[this.i];
			if (c === undefined) this.fail(inParens ? 'unclosed left parenthesis' : 'unclosed action');
			if (c === '|' || (inParens ? c === ')' : this.atClose())) break;
			words.push(this.word());
		}
		if (words.length === 0) this.fail('missing command');
		const [first, ...rest] = words;
		for (const w of rest) if (w.kind === 'fn') this.fail(`function "${w.name}" used as an argument; call it in parentheses or a pipeline`, w.at);
		if (first!.kind === 'fn') return { fn: first!.name, args: rest as Operand[], at };
		if (rest.length > 0) this.fail(`can't give an argument to a non-function ${first!.src}`, rest[0]!.at);
		return { args: [first as Operand], at };
	}

	private word(): Operand | { kind: 'fn'; name: FnName; at: number } {
		const t = this.text;
		const at = this.i;
		const c = t[at]!;
		if (c === '"' || c === '`') return { kind: 'literal', value: { kind: 'string', value: this.string() }, at, src: t.slice(at, this.i) };
		if (c === '(') {
			this.i++;
			const pipe = this.pipeline(true);
			if (pipe.length === 0) this.fail('missing command in parentheses', at);
			this.i++;
			if (t[this.i] === '.') this.fail('fields of a parenthesized value are not supported');
			return { kind: 'pipe', pipe, at, src: t.slice(at, this.i) };
		}
		if (c === "'") this.fail('character constants are not supported');
		if (/[-+0-9.]/.test(c) && /^[-+]?\.?[0-9]/.test(t.slice(at, at + 3))) {
			const m = /^[-+]?(0[xX][0-9a-fA-F_]+|0[bBoO][0-7_]+|(\d[\d_]*)?\.?\d*([eE][-+]?\d+)?)/.exec(t.slice(at))!;
			this.i += m[0].length;
			const src = m[0];
			if (/[A-Za-z0-9_.]/.test(t[this.i] ?? '')) this.fail(`bad number syntax: "${src}${t[this.i]}"`, at);
			if (/^[-+]?0[xXbBoO]|_/.test(src)) this.fail(`only decimal numbers are supported, got "${src}"`, at);
			const isInt = /^[-+]?\d+$/.test(src);
			const value = Number(src);
			if (isInt && !Number.isSafeInteger(value)) this.fail(`integer ${src} is out of range`, at);
			return { kind: 'literal', value: isInt ? { kind: 'int', value } : { kind: 'float', value }, at, src };
		}
		if (c === '$' || c === '.') {
			const m = /^(\$[\p{L}\p{Nd}_]*|)((?:\.[\p{L}\p{Nd}_]+)*)(\.?)/u.exec(t.slice(at))!;
			this.i += m[0].length;
			const src = m[0];
			const variable = m[1]!;
			const fields = m[2] ? m[2].slice(1).split('.') : [];
			if (/^[ \t\r\n]*(:=|=)/.test(t.slice(this.i)) && variable) this.fail(`declaring or assigning variables is not supported (${variable})`, at);
			if (variable === '' && this.scope().dot !== undefined) {
				if (src !== '.') this.fail(`"${src}": the value of a with has no fields`, at);
				return { kind: 'dot', at, src };
			}
			if (variable === '' && fields.length === 0) this.fail('the whole data value "." cannot be printed; use .Labels, .Value or .ExternalLabels', at);
			let root: Root;
			let rest: string[];
			if (variable) {
				const name = variable.slice(1);
				const byVar: Record<string, Root> = { labels: 'labels', value: 'value', externalLabels: 'externalLabels', externalURL: 'externalURL' };
				if (!(name in byVar)) this.fail(`undefined variable "${variable}"; use $labels, $value, $externalLabels or $externalURL`, at);
				root = byVar[name]!;
				rest = fields;
			} else {
				const byField: Record<string, Root> = { Labels: 'labels', Value: 'value', ExternalLabels: 'externalLabels', ExternalURL: 'externalURL' };
				const f = fields[0]!;
				if (!(f in byField)) this.fail(`unknown field ".${f}"; use .Labels, .Value, .ExternalLabels or .ExternalURL`, at);
				root = byField[f]!;
				rest = fields.slice(1);
			}
			if (m[3]) this.fail(`a field name is missing after "${src}"`, at);
			const isMap = root === 'labels' || root === 'externalLabels';
			if (!isMap && rest.length > 0) this.fail(`"${src}" has no fields: ${root === 'value' ? 'the value is a number' : 'it is a string'}`, at);
			if (isMap && rest.length > 1) this.fail(`"${src}": a label value has no fields`, at);
			return { kind: 'data', root, key: isMap ? rest[0] : undefined, at, src };
		}
		const m = /^[\p{L}_][\p{L}\p{Nd}_]*/u.exec(t.slice(at));
		if (m) {
			this.i += m[0].length;
			const name = m[0];
			if ((FUNCTIONS as readonly string[]).includes(name)) return { kind: 'fn', name: name as FnName, at };
			const what = KNOWN_GO.has(name) ? `"${name}" is not supported in Vigil rule templates` : `function "${name}" not defined`;
			this.fail(`${what}; use one of ${FUNCTIONS.join(', ')}`, at);
		}
		if (c === ':' || c === '=') this.fail('declaring or assigning variables is not supported');
		this.fail(`unexpected "${c}" in action`);
	}

	private string(): string {
		const t = this.text;
		const q = t[this.i]!;
		const start = this.i;
		this.i++;
		if (q === '`') {
			const end = t.indexOf('`', this.i);
			if (end < 0) this.fail('unterminated raw quoted string', start);
			const s = t.slice(this.i, end);
			this.i = end + 1;
			return s;
		}
		let out = '';
		for (;;) {
			const c = t[this.i];
			if (c === undefined || c === '\n') this.fail('unterminated quoted string', start);
			this.i++;
			if (c === '"') return out;
			if (c !== '\\') {
				out += c;
				continue;
			}
			const e = t[this.i++];
			const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };
			if (e !== undefined && e in simple) out += simple[e];
			else if (e === 'x' && /^[0-9a-fA-F]{2}/.test(t.slice(this.i))) {
				out += String.fromCharCode(parseInt(t.slice(this.i, this.i + 2), 16));
				this.i += 2;
			} else if ((e === 'u' && /^[0-9a-fA-F]{4}/.test(t.slice(this.i))) || (e === 'U' && /^[0-9a-fA-F]{8}/.test(t.slice(this.i)))) {
				const n = e === 'u' ? 4 : 8;
				out += String.fromCodePoint(parseInt(t.slice(this.i, this.i + n), 16));
				this.i += n;
			} else this.fail(`unknown escape sequence in quoted string: \\${e ?? ''}`, this.i - 2);
		}
	}
}

interface Typed {
	type: StaticType;
}

/** Checks types and arities statically; returns the pipeline's result type. */
function checkPipe(p: Parser, pipe: Command[], scope: Scope): StaticType {
	let piped: StaticType | undefined;
	for (const cmd of pipe) {
		const argTypes: Array<Typed & { at: number; op?: Operand }> = cmd.args.map((a) => ({ type: operandType(p, a, scope), at: a.at, op: a }));
		if (piped !== undefined) argTypes.push({ type: piped, at: cmd.at });
		if (!cmd.fn) {
			if (piped !== undefined) p.fail(`can't give an argument to a non-function ${cmd.args[0]!.src}`, cmd.at);
			piped = argTypes[0]!.type;
			continue;
		}
		const fn = cmd.fn;
		if (fn === 'printf') {
			const fmt = cmd.args[0];
			if (!fmt || fmt.kind !== 'literal' || fmt.value.kind !== 'string') p.fail('printf needs a quoted format string as its first argument', fmt?.at ?? cmd.at);
			let verbs;
			try {
				verbs = parseFormat((fmt.value as { value: string }).value);
			} catch (err) {
				if (err instanceof FormatError) p.fail(err.message, fmt.at);
				throw err;
			}
			const given = argTypes.length - 1;
			if (verbs.length !== given) p.fail(`printf: the format has ${verbs.length} verb${verbs.length === 1 ? '' : 's'} but ${given} argument${given === 1 ? ' is' : 's are'} given`, cmd.at);
			piped = 'string';
			continue;
		}
		if (argTypes.length !== 1) p.fail(`wrong number of arguments for ${fn}: want 1, got ${argTypes.length}`, cmd.at);
		const arg = argTypes[0]!;
		if (fn === 'toUpper' || fn === 'toLower' || fn === 'title') {
			if (arg.type !== 'string') p.fail(`${fn} takes a string, got ${goType(arg.type)}`, arg.at);
		} else if (arg.type === 'map') p.fail(`${fn} takes a number, got ${goType(arg.type)}`, arg.at);
		piped = 'string';
	}
	return piped!;
}

function goType(t: StaticType): string {
	return t === 'float' ? 'float64 (a number)' : t === 'map' ? 'a label set' : t;
}

function operandType(p: Parser, op: Operand, scope: Scope): StaticType {
	if (op.kind === 'literal') return op.value.kind;
	if (op.kind === 'pipe') return checkPipe(p, op.pipe, scope);
	if (op.kind === 'dot') return scope.dot!;
	if (op.root === 'value') return 'float';
	if (op.root === 'externalURL') return 'string';
	return op.key === undefined ? 'map' : 'string';
}

class ExecError extends Error {
	constructor(
		message: string,
		readonly cmd: Command
	) {
		super(message);
	}
}

function goQuoteForError(s: string): string {
	return JSON.stringify(s);
}

function toFloat(v: GoValue, fn: string, cmd: Command): number {
	if (v.kind === 'float' || v.kind === 'int') return v.value;
	if (v.kind === 'string') {
		const f = parseGoFloat(v.value);
		if (f === null) {
			const why = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v.value) ? 'value out of range' : 'invalid syntax';
			throw new ExecError(`error calling ${fn}: strconv.ParseFloat: parsing ${goQuoteForError(v.value)}: ${why}`, cmd);
		}
		return f;
	}
	throw new ExecError(`error calling ${fn}: can't convert map[string]string to float`, cmd);
}

function evalOperand(op: Operand, data: TemplateData, dot: GoValue | undefined): GoValue {
	switch (op.kind) {
		case 'literal':
			return op.value;
		case 'pipe':
			return evalPipe(op.pipe, data, dot);
		case 'dot':
			return dot!;
		case 'data': {
			if (op.root === 'value') return { kind: 'float', value: data.value };
			if (op.root === 'externalURL') return { kind: 'string', value: data.externalURL ?? '' };
			const map = (op.root === 'labels' ? data.labels : data.externalLabels) ?? {};
			if (op.key === undefined) return { kind: 'map', value: map };
			return { kind: 'string', value: map[op.key] ?? '' };
		}
	}
}

function evalPipe(pipe: Command[], data: TemplateData, dot: GoValue | undefined): GoValue {
	let piped: GoValue | undefined;
	for (const cmd of pipe) {
		const args = cmd.args.map((a) => evalOperand(a, data, dot));
		if (piped !== undefined) args.push(piped);
		if (!cmd.fn) {
			piped = args[0]!;
			continue;
		}
		const str = (s: string): GoValue => ({ kind: 'string', value: s });
		switch (cmd.fn) {
			case 'printf':
				piped = str(sprintf((args[0] as { value: string }).value, args.slice(1)));
				break;
			case 'toUpper':
				piped = str(goToUpper(args[0]!.value as string));
				break;
			case 'toLower':
				piped = str(goToLower(args[0]!.value as string));
				break;
			case 'title':
				piped = str(goTitle(args[0]!.value as string));
				break;
			case 'humanize':
				piped = str(humanize(toFloat(args[0]!, cmd.fn, cmd)));
				break;
			case 'humanize1024':
				piped = str(humanize1024(toFloat(args[0]!, cmd.fn, cmd)));
				break;
			case 'humanizeDuration':
				piped = str(humanizeDuration(toFloat(args[0]!, cmd.fn, cmd)));
				break;
			case 'humanizePercentage':
				piped = str(humanizePercentage(toFloat(args[0]!, cmd.fn, cmd)));
				break;
		}
	}
	return piped!;
}

/** The command as Go prints it in error messages (`humanize $labels.x`), cut at 20 characters. */
function commandText(cmd: Command): string {
	const words = [...(cmd.fn ? [cmd.fn] : []), ...cmd.args.map((a) => a.src)].join(' ');
	return words.length > 20 ? `${words.slice(0, 20)}...` : words;
}

/**
 * Compiles a template, refusing what Vigil does not support with a TemplateError.
 * `name` is the rule's alert name (Prometheus names the template `__alert_<name>`).
 */
/** Go's truth of a value in `if` and `with`: a non-empty string or label set, a non-zero number. */
function truth(v: GoValue): boolean {
	if (v.kind === 'string') return v.value !== '';
	if (v.kind === 'map') return Object.keys(v.value).length > 0;
	return v.value !== 0;
}

function renderNodes(nodes: readonly Node[], data: TemplateData, dot: GoValue | undefined): string {
	let out = '';
	for (const n of nodes) {
		if (n.kind === 'text') out += n.text;
		else if (n.kind === 'action') out += sprint(evalPipe(n.pipe, data, dot));
		else {
			const v = evalPipe(n.pipe, data, dot);
			if (truth(v)) out += renderNodes(n.then, data, n.kind === 'with' ? v : dot);
			else out += renderNodes(n.otherwise, data, dot);
		}
	}
	return out;
}

export function compileTemplate(source: string, name = ''): CompiledTemplate {
	const parser = new Parser(source);
	const nodes = parser.parse();
	const constant = nodes.every((n) => n.kind === 'text');
	const tmplName = `__alert_${name}`;
	return {
		source,
		constant,
		render(data: TemplateData): string {
			try {
				return renderNodes(nodes, data, undefined);
			} catch (err) {
				if (!(err instanceof ExecError)) throw err;
				// Go stops at the failing action: what was written before is lost too.
				const before = source.slice(0, err.cmd.at);
				const line = before.split('\n').length;
				const col = before.length - (before.lastIndexOf('\n') + 1) + (line === 1 ? DEFS_LENGTH : 0);
				return (
					`<error expanding template: error executing template ${tmplName}: template: ${tmplName}:${line}:${col}: ` +
					`executing "${tmplName}" at <${commandText(err.cmd)}>: ${err.message}>`
				);
			}
		}
	};
}

/** Whether a text holds template actions at all (plain texts need no compiling). */
export function isTemplated(text: string): boolean {
	return text.includes('{{');
}
