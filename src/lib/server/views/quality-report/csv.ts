/**
 * The quality report as one CSV in long form, a row per figure: `section,item,measure,value,level,met`
 * (sections: quarter, target, service, incidents, complaints, team, merchants, merchant). Shares are
 * fractions (0..1) and durations seconds, so a spreadsheet computes with them; empty where there is
 * no data. Cells go through the reports' CSV writer (formula-looking names stay text).
 */
import { toCsv, type Cell } from '../reports';
import type { QualityReport } from './load';

const HEADER = ['section', 'item', 'measure', 'value', 'level', 'met'];
const yes = (b: boolean | null) => (b === null ? '' : b ? 'yes' : 'no');
const sec = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

export function qualityCsv(r: QualityReport): string {
	const rows: Cell[][] = [
		['quarter', r.quarter, 'from', new Date(r.from).toISOString(), '', ''],
		['quarter', r.quarter, 'to', new Date(r.to).toISOString(), '', ''],
		['quarter', r.quarter, 'zone', r.zone, '', ''],
		['quarter', r.quarter, 'tickets', r.tickets.created, '', ''],
		...r.targets.flatMap((t) => [
			['target', t.name, `${t.id} (${t.op})`, t.figure, t.level, yes(t.met)],
			...(t.next ? [['next stage', t.name, `${t.id} (${t.op}) from ${t.next.from}`, t.figure, t.next.level, yes(t.next.met)]] : [])
		]),
		...r.services.map((s) => ['service', s.service, 'availability', s.availability, r.uptimeObjective, yes(s.met)]),
		['incidents', 'all', 'count', r.incidents.count, '', ''],
		['incidents', 'all', 'mtta_seconds', sec(r.incidents.mttaMs), '', ''],
		['incidents', 'all', 'mttr_seconds', sec(r.incidents.mttrMs), '', ''],
		...r.complaints.categories.flatMap((c) => [
			['complaints', c.category, 'count', c.count, '', ''],
			['complaints', c.category, `count_${r.complaints.previousQuarter}`, c.previous, '', ''],
			['complaints', c.category, 'change_ratio', c.changeRatio, '', '']
		]),
		...r.teams.flatMap((t) => [
			['team', t.team, 'tickets', t.tickets, '', ''],
			['team', t.team, 'mean_first_response_seconds', sec(t.meanFirstResponseMs), '', ''],
			['team', t.team, 'answered_5m_ratio', t.answered5m, '', yes(t.answered5m === null ? null : !t.below.includes('answered5m'))],
			['team', t.team, 'resolution_ratio', t.resolution, '', yes(t.resolution === null ? null : !t.below.includes('resolution'))]
		]),
		['merchants', 'all', 'count', r.merchants.total, '', ''],
		['merchants', 'all', 'below_standard', r.merchants.below, '', ''],
		...Object.entries(r.merchants.byMeasure).map(([m, n]) => ['merchants', m, 'below_standard', n, '', '']),
		...r.merchants.merchants.map((m) => ['merchant', m.merchant, 'below_standard', m.below.join(' '), '', 'no'])
	];
	return toCsv(HEADER, rows);
}
