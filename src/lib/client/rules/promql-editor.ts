/**
 * The CodeMirror 6 setup of the PromQL editor: the PromQL language of codemirror-promql
 * (highlighting, its linter, autocomplete of functions, and of metric names, label names and label
 * values from Vigil's Prometheus-compatible API on the same origin), problems given from outside
 * (the rule validator's) shown as lint marks beside the library's, and a dark theme in the colours
 * of app.css. Browser only: create it in onMount.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { forceLinting, linter, lintKeymap, type Diagnostic } from '@codemirror/lint';
import { Annotation, Compartment, EditorState, StateEffect, StateField, type Extension } from '@codemirror/state';
import { drawSelection, EditorView, highlightSpecialChars, keymap, placeholder as placeholderText } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';
import type { TextProblem } from './rule-form';

/** Marks transactions that bring the editor in line with its `value` prop (not typed by a person). */
const fromProp = Annotation.define<boolean>();

const setExternal = StateEffect.define<readonly TextProblem[]>();

/** Problems given from outside, kept in place while the text around them changes. */
const externalProblems = StateField.define<readonly TextProblem[]>({
	create: () => [],
	update(value, tr) {
		if (tr.docChanged && value.length > 0) {
			value = value.map((p) => {
				const from = tr.changes.mapPos(p.from, 1);
				return { ...p, from, to: Math.max(from, tr.changes.mapPos(p.to, -1)) };
			});
		}
		for (const e of tr.effects) if (e.is(setExternal)) value = e.value;
		return value;
	}
});

function overlaps(a: { from: number; to: number }, b: { from: number; to: number }): boolean {
	return a.from <= b.to && b.from <= a.to;
}

/** The library's diagnostics, plus the external problems that it does not already mark (the same syntax error told twice helps no one). */
export function mergeDiagnostics(own: readonly Diagnostic[], external: readonly TextProblem[], length: number): Diagnostic[] {
	const out = [...own];
	for (const p of external) {
		const from = Math.min(Math.max(0, p.from), length);
		const to = Math.min(Math.max(from, p.to), length);
		const range = { from, to };
		if (own.some((d) => d.severity === 'error' && overlaps(d, range))) continue;
		out.push({ from, to, severity: 'error', message: p.message, source: 'Vigil' });
	}
	return out;
}

const highlight = HighlightStyle.define([
	{ tag: t.function(t.variableName), color: '#7dd3fc' },
	{ tag: t.operatorKeyword, color: '#c4b5fd', fontWeight: '600' },
	{ tag: t.modifier, color: '#c4b5fd' },
	{ tag: [t.logicOperator, t.operator, t.arithmeticOperator], color: '#f0abfc' },
	{ tag: t.labelName, color: '#fcd34d' },
	{ tag: t.string, color: '#86efac' },
	{ tag: t.number, color: '#fdba74' },
	{ tag: t.variableName, color: '#e6edf7' },
	{ tag: t.comment, color: '#8b9bb4', fontStyle: 'italic' },
	{ tag: [t.paren, t.squareBracket, t.brace], color: '#94a3b8' },
	{ tag: t.invalid, color: '#ef4444' }
]);

const theme = EditorView.theme(
	{
		'&': {
			color: 'var(--text, #e6edf7)',
			backgroundColor: 'var(--bg, #0b1220)',
			border: '1px solid var(--panel-edge, #1f2a44)',
			borderRadius: '4px',
			fontSize: '0.9rem'
		},
		'&.cm-focused': { outline: '2px solid #3b82f6', outlineOffset: '0' },
		'.cm-scroller': { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace", lineHeight: '1.5' },
		'.cm-content': { caretColor: '#e6edf7', padding: '0.35rem 0', minHeight: '1.5em' },
		'.cm-line': { padding: '0 0.5rem' },
		'&.cm-focused .cm-cursor': { borderLeftColor: '#e6edf7' },
		'&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': {
			backgroundColor: '#264f78'
		},
		'.cm-placeholder': { color: 'var(--muted, #8b9bb4)' },
		'.cm-matchingBracket, &.cm-focused .cm-matchingBracket': { backgroundColor: '#1f2a44', outline: '1px solid #475569' },
		'.cm-nonmatchingBracket, &.cm-focused .cm-nonmatchingBracket': { color: '#ef4444' },
		'.cm-tooltip': {
			backgroundColor: 'var(--panel, #121b2e)',
			border: '1px solid var(--panel-edge, #1f2a44)',
			color: 'var(--text, #e6edf7)',
			borderRadius: '4px'
		},
		'.cm-tooltip.cm-tooltip-autocomplete > ul': { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace", maxHeight: '16em' },
		'.cm-tooltip.cm-tooltip-autocomplete > ul > li': { padding: '0.1rem 0.5rem' },
		'.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: '#1d4ed8', color: '#ffffff' },
		'.cm-completionDetail': { color: 'var(--muted, #8b9bb4)', fontStyle: 'normal', marginLeft: '0.75em' },
		'.cm-completionMatchedText': { textDecoration: 'none', color: '#7dd3fc' },
		'.cm-tooltip-autocomplete ul li[aria-selected] .cm-completionMatchedText': { color: '#ffffff' },
		'.cm-completionInfo': { padding: '0.4rem 0.6rem', maxWidth: '28em' },
		'.cm-diagnostic': { padding: '0.3rem 0.6rem' },
		'.cm-diagnostic-error': { borderLeft: '4px solid var(--crit, #ef4444)' },
		'.cm-diagnostic-warning': { borderLeft: '4px solid var(--warn, #f59e0b)' },
		'.cm-diagnosticSource': { color: 'var(--muted, #8b9bb4)' },
		'.cm-lintRange-error': { backgroundColor: 'rgba(239, 68, 68, 0.18)' },
		'.cm-panels': { backgroundColor: 'var(--panel, #121b2e)', color: 'var(--text, #e6edf7)' }
	},
	{ dark: true }
);

export interface PromqlEditorOptions {
	parent: HTMLElement;
	doc: string;
	label: string;
	id?: string;
	placeholder?: string;
	/** Called with the whole text after each change a person makes (not after setText). */
	onChange: (text: string) => void;
}

export interface PromqlEditorHandle {
	view: EditorView;
	/** Replaces the text (only the part that differs, so the cursor stays where it was). */
	setText(text: string): void;
	setProblems(problems: readonly TextProblem[]): void;
	setLabel(label: string, invalid: boolean): void;
	destroy(): void;
}

function contentAttributes(label: string, id: string | undefined, invalid: boolean): Extension {
	return EditorView.contentAttributes.of({
		'aria-label': label,
		'aria-multiline': 'true',
		'aria-invalid': invalid ? 'true' : 'false',
		...(id ? { id } : {})
	});
}

export function createPromqlEditor(o: PromqlEditorOptions): PromqlEditorHandle {
	// Same origin, GET (a POST would need the CSRF header); the session cookie goes with it.
	const promql = new PromQLExtension().setComplete({ remote: { url: '', httpMethod: 'GET' } });
	const own = promql.getLinter().promQL();
	promql.setLinter({
		promQL: () => async (view: EditorView) => mergeDiagnostics(await own(view), view.state.field(externalProblems), view.state.doc.length)
	});
	const attributes = new Compartment();
	const view = new EditorView({
		parent: o.parent,
		state: EditorState.create({
			doc: o.doc,
			extensions: [
				externalProblems,
				attributes.of(contentAttributes(o.label, o.id, false)),
				highlightSpecialChars(),
				history(),
				drawSelection(),
				bracketMatching(),
				closeBrackets(),
				autocompletion({ icons: true, maxRenderedOptions: 200 }),
				EditorView.lineWrapping,
				o.placeholder ? placeholderText(o.placeholder) : [],
				keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
				promql.asExtension(),
				// Configures the lint run for both sources: sooner than the default, and again when the external problems change.
				linter(null, { delay: 300, needsRefresh: (u) => u.transactions.some((tr) => tr.effects.some((e) => e.is(setExternal))) }),
				syntaxHighlighting(highlight),
				theme,
				EditorView.updateListener.of((u) => {
					if (u.docChanged && !u.transactions.some((tr) => tr.annotation(fromProp))) o.onChange(u.state.doc.toString());
				})
			]
		})
	});
	return {
		view,
		setText(text) {
			const old = view.state.doc.toString();
			if (old === text) return;
			let start = 0;
			while (start < old.length && start < text.length && old.charCodeAt(start) === text.charCodeAt(start)) start++;
			let endOld = old.length;
			let endNew = text.length;
			while (endOld > start && endNew > start && old.charCodeAt(endOld - 1) === text.charCodeAt(endNew - 1)) {
				endOld--;
				endNew--;
			}
			view.dispatch({ changes: { from: start, to: endOld, insert: text.slice(start, endNew) }, annotations: fromProp.of(true) });
		},
		setProblems(problems) {
			view.dispatch({ effects: setExternal.of(problems) });
			forceLinting(view);
		},
		setLabel(label, invalid) {
			view.dispatch({ effects: attributes.reconfigure(contentAttributes(label, o.id, invalid)) });
		},
		destroy() {
			view.destroy();
			promql.destroy();
		}
	};
}
