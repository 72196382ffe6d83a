/**
 * The per-category table as CSV: a row per category, a column per bucket (named by its first day),
 * then the range's total, the previous period's, the change, the relative change (a fraction,
 * empty when the previous period had none) and whether the growth rule flags it. Cells go through
 * the reports' CSV writer (formula-looking categories stay text).
 */
import { toCsv } from '../reports';
import type { ComplaintAnalysis } from './load';

export function complaintCsv(a: ComplaintAnalysis): string {
	const header = ['category', ...a.buckets.map((b) => b.label), 'total', 'previous', 'change', 'change_ratio', 'grown'];
	const rows = a.categories.map((c) => [c.category, ...c.counts, c.total, c.previous, c.change, c.changeRatio, c.grown ? 'yes' : 'no']);
	return toCsv(header, rows);
}
