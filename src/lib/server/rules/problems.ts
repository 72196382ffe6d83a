/** Problems found in rule files, located by file, group, rule, field and line. */
import type { Problem } from '../../shared/problems';

export interface RuleProblem extends Problem {
	file: string;
	/** Group name (when it has one) and 0-based index. */
	group?: string;
	groupIndex?: number;
	/** 0-based index of the rule in its group, and its alert name when it has one. */
	ruleIndex?: number;
	alert?: string;
	/** The rule's or group's key the problem is about (`expr`, `labels.team`, `for`). */
	field?: string;
}

/**
 * `rules/shop.yml:14: group "checkout" rule 2 (CheckoutSlow): expr: unknown function with name
 * "histogram_quantil" at 1:1`. Rules are counted from 1 in the text, as promtool does.
 */
export function formatRuleProblem(p: RuleProblem): string {
	let out = p.file;
	if (p.line) out += `:${p.line}`;
	out += ':';
	const where: string[] = [];
	if (p.groupIndex !== undefined) where.push(p.group ? `group ${JSON.stringify(p.group)}` : `group ${p.groupIndex + 1}`);
	if (p.ruleIndex !== undefined) where.push(`rule ${p.ruleIndex + 1}${p.alert ? ` (${p.alert})` : ''}`);
	if (where.length) out += ` ${where.join(' ')}:`;
	const field = p.ruleIndex !== undefined || p.groupIndex !== undefined ? p.field : p.path;
	if (field) out += ` ${field}:`;
	return `${out} ${p.message}`;
}
