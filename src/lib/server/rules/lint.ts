/**
 * `promtool check rules`' lint (Prometheus 2.42, `--lint=duplicate-rules`, its default): rules of
 * a file with the same name (alert or record) and the same labels, across its groups (Vigil's `severity` counts as the label it becomes). Each such
 * name and label set is reported once, in Prometheus' order (by name, then labels). A lint finding
 * fails the file's check but not the command, unless `--lint-fatal` (exit code 3).
 */
import { specLabels } from '../../shared/rule-spec';
import type { Labels } from '../../shared/series';
import type { RuleGroup } from './file';
import { compareLabels } from './labels';

export interface DuplicateRule {
	metric: string;
	labels: Labels;
}

export function duplicateRules(groups: readonly RuleGroup[]): DuplicateRule[] {
	const all = groups.flatMap((g) => g.spec.rules.map((r) => ({ metric: 'alert' in r ? r.alert : r.record, labels: specLabels(r) })));
	const compare = (a: DuplicateRule, b: DuplicateRule) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : compareLabels(a.labels, b.labels));
	all.sort(compare);
	const out: DuplicateRule[] = [];
	for (let i = 1; i < all.length; i++) {
		if (compare(all[i - 1]!, all[i]!) !== 0) continue;
		// A rule written three times is one finding.
		if (out.length === 0 || compare(all[i]!, out[out.length - 1]!) !== 0) out.push(all[i]!);
	}
	return out;
}

/** promtool's text for the findings (its error, after "lint error "). */
export function duplicateRulesMessage(found: readonly DuplicateRule[]): string {
	let text = `lint error ${found.length} duplicate rule(s) found.\n`;
	for (const d of found) {
		text += `Metric: ${d.metric}\nLabel(s):\n`;
		for (const name of Object.keys(d.labels).sort()) text += `\t${name}: ${d.labels[name]}\n`;
	}
	return `${text}Might cause inconsistency while recording expressions`;
}
