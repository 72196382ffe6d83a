/**
 * An annotation template (`{{ $labels.target }} is down`) as parts to show in a list of rules,
 * where there is no one alert to render it for: the text as written, and each `{{ … }}` as a
 * placeholder that says what each alert puts there (`target`, `value`, or the expression itself).
 * Shown as text, never as HTML.
 */
export type TemplatePart = { text: string } | { field: string; source: string };

const ACTION = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;

/** What an action puts in the text, for a placeholder: a label's name, "value", or the expression. */
function fieldOf(expr: string): string {
	const label = /^(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr);
	if (label) return label[1]!;
	const indexed = /^index\s+(?:\$labels|\.Labels)\s+"([^"]*)"$/.exec(expr);
	if (indexed) return indexed[1]!;
	if (/^(?:\$value|\.Value)$/.test(expr)) return 'value';
	if (/^(?:\$value|\.Value)\s*\|\s*(\w+)$/.test(expr)) return 'value';
	return expr;
}

export function templateParts(template: string): TemplatePart[] {
	const parts: TemplatePart[] = [];
	let last = 0;
	for (const m of template.matchAll(ACTION)) {
		if (m.index > last) parts.push({ text: template.slice(last, m.index) });
		parts.push({ field: fieldOf(m[1]!), source: m[0] });
		last = m.index + m[0].length;
	}
	if (last < template.length) parts.push({ text: template.slice(last) });
	return parts;
}

/** Whether a text holds template actions (and reads differently per alert). */
export function isTemplate(text: string): boolean {
	return templateParts(text).some((p) => 'field' in p);
}
