#!/usr/bin/env node
/**
 * Function lengths: every function, method, constructor, accessor and arrow function of Vigil's
 * program code (src/, collectors/, alerts/, runtime/, demo-shop/, server.ts, and the script blocks of
 * .svelte components; not tests) measured in lines, from its first line (after any comment before
 * it) to its last, nested functions included. Prints the longest and exits 1 when any is longer
 * than the limit.
 *
 *   node scripts/function-lengths.mjs [--max 80] [--top 15]
 *
 * Parses each file on its own with the TypeScript compiler (no type check), so it takes about a
 * second; `npm run check` runs it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROOTS = ['src', 'collectors', 'alerts', 'runtime', 'demo-shop', 'server.ts'];
const SKIP_DIRS = new Set(['node_modules', '.svelte-kit', 'build', 'dist']);
const CODE = /\.(ts|js|mjs|cjs|svelte)$/;
const NOT_PROGRAM = /(\.d\.ts|\.test\.ts|\.spec\.ts)$/;

function parseArgs(argv) {
	const options = { max: 80, top: 15 };
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		if (flag !== '--max' && flag !== '--top') throw new Error(`unknown flag ${flag} (use --max N, --top N)`);
		const value = Number(argv[++i]);
		if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a whole number above 0`);
		options[flag.slice(2)] = value;
	}
	return options;
}

function programFiles(path) {
	const full = join(ROOT, path);
	if (!statSync(full).isDirectory()) return CODE.test(path) && !NOT_PROGRAM.test(path) ? [path] : [];
	return readdirSync(full)
		.filter((name) => !SKIP_DIRS.has(name))
		.flatMap((name) => programFiles(join(path, name)));
}

function isFunction(node) {
	return (
		ts.isFunctionDeclaration(node) ||
		ts.isFunctionExpression(node) ||
		ts.isArrowFunction(node) ||
		ts.isMethodDeclaration(node) ||
		ts.isConstructorDeclaration(node) ||
		ts.isGetAccessorDeclaration(node) ||
		ts.isSetAccessorDeclaration(node)
	);
}

/** The name a reader would search for: the function's own, or the variable or property it is given to. */
function nameOf(node) {
	if (ts.isConstructorDeclaration(node)) return `${node.parent.name?.text ?? '(class)'}.constructor`;
	if (node.name) {
		const own = node.name.getText();
		const owner = ts.isClassLike(node.parent) ? node.parent.name?.text : undefined;
		return owner ? `${owner}.${own}` : own;
	}
	const parent = node.parent;
	if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText();
	if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText().slice(0, 40)})`;
	return '(anonymous)';
}

/** The code of a file: the whole of a script, the <script> blocks of a component (with the line each starts on). */
function scriptsOf(path, text) {
	if (!path.endsWith('.svelte')) return [{ code: text, firstLine: 0 }];
	return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => {
		const start = m.index + m[0].indexOf('>') + 1;
		return { code: m[1], firstLine: text.slice(0, start).split('\n').length - 1 };
	});
}

function measure(path) {
	const found = [];
	for (const { code, firstLine } of scriptsOf(path, readFileSync(join(ROOT, path), 'utf8'))) {
		const source = ts.createSourceFile(path, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
		const lineOf = (position) => source.getLineAndCharacterOfPosition(position).line;
		const visit = (node) => {
			if (isFunction(node) && node.body) {
				const first = lineOf(node.getStart(source));
				const lines = lineOf(node.getEnd()) - first + 1;
				found.push({ path, line: firstLine + first + 1, lines, name: nameOf(node) });
			}
			ts.forEachChild(node, visit);
		};
		visit(source);
	}
	return found;
}

function main() {
	let options;
	try {
		options = parseArgs(process.argv.slice(2));
	} catch (err) {
		console.error(err.message);
		process.exit(2);
	}
	const { max, top } = options;
	const files = ROOTS.flatMap(programFiles);
	const functions = files.flatMap(measure).sort((a, b) => b.lines - a.lines);
	const over = functions.filter((f) => f.lines > max);
	const shown = functions.slice(0, Math.max(top, over.length));
	console.log(`Longest of ${functions.length} functions in ${files.length} files (limit ${max} lines):`);
	for (const f of shown) console.log(`${String(f.lines).padStart(5)}  ${relative('.', join(ROOT, f.path))}:${f.line}  ${f.name}${f.lines > max ? '  <- over' : ''}`);
	if (over.length > 0) {
		console.error(`${over.length} function${over.length === 1 ? ' is' : 's are'} longer than ${max} lines: split ${over.length === 1 ? 'it' : 'them'} into named steps.`);
		process.exit(1);
	}
}

main();
