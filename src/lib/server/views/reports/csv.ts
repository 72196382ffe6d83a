/**
 * CSV (RFC 4180) for spreadsheets: every cell quoted when it needs it, and cells that a spreadsheet
 * would read as a formula (starting with =, +, -, @, a tab or a carriage return) prefixed with a
 * single quote, so an incident title like `=HYPERLINK(...)` stays text. Numbers are written as
 * numbers (a negative number is a number, not a formula).
 */
export type Cell = string | number | boolean | null | undefined;

export function csvCell(v: Cell): string {
	if (v === null || v === undefined) return '';
	if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
	let s = String(v);
	if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
	return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function isoTime(ms: number | undefined | null): string {
	return ms === undefined || ms === null ? '' : new Date(ms).toISOString();
}
