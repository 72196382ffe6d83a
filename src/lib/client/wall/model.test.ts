import { describe, expect, it } from 'vitest';
import type { AlertRow, SeriesState, TileRule } from '$lib/shared/live';
import {
	alertsView,
	budgetLeftText,
	cellTone,
	formatScaled,
	layout,
	orderAlerts,
	reloadDue,
	scaledText,
	scaleFor,
	thresholdPlacement,
	sloState,
	statItems,
	statusCells,
	statusSummary,
	thresholdTone,
	tileAge,
	tileLimits,
	trend,
	wallTime,
	worst,
	worstFirst,
	zoneLabel
} from './model';

const up = (service: string, value: number, ts: number): SeriesState => ({ id: service, name: 'up', labels: { service }, value, ts, intervalMs: 2000 });

describe('wall model', () => {
	it('thresholds: above by default, below when asked', () => {
		expect(thresholdTone(0.02, { crit: 0.01, warn: 0.001, direction: 'above' })).toBe('crit');
		expect(thresholdTone(0.005, { crit: 0.01, warn: 0.001, direction: 'above' })).toBe('warn');
		expect(thresholdTone(0, { crit: 0.01, warn: 0.001, direction: 'above' })).toBe('ok');
		expect(thresholdTone(3, { crit: 5, direction: 'below' })).toBe('crit');
		expect(thresholdTone(null, undefined)).toBe('none');
	});

	it('no threshold judges the value: neutral, never "ok" (orders at 0 during an outage are not OK)', () => {
		expect(thresholdTone(0, undefined)).toBe('neutral');
		expect(thresholdTone(42, { direction: 'above' })).toBe('neutral');
		expect(statItems([up('a', 0, 1000)], undefined, 1500).items[0]!.tone).toBe('neutral');
		// Neutral ranks after ok and before no data: a tile of neutral and ok series is ok.
		expect(worst('neutral', 'ok')).toBe('ok');
		expect(worst('neutral', 'none')).toBe('neutral');
	});

	it('status cells: down is critical, a firing alert of the service colours it, stale data is not "up"', () => {
		const tile = { kind: 'status' as const, title: 'S', selector: 'up', by: 'service' };
		const cells = statusCells(tile, [up('search', 1, 1000), up('checkout', 0, 1000), up('old', 1, -10_000)], [
			{ ruleId: 'g/Slow', fingerprint: 'f', name: 'Slow', severity: 'warning', state: 'firing', service: 'search', summary: '', since: 0, acknowledged: false }
		], 1500);
		expect(cells.map((c) => [c.name, c.tone, c.fresh])).toEqual([
			['checkout', 'crit', 'fresh'],
			['search', 'warn', 'fresh'],
			['old', 'none', 'stale']
		]);
		expect(cells[1]!.alerts).toEqual(['Slow']);
	});

	it('status: the service keeps its name, the probes count alone, and an alert that colours it is named', () => {
		const tile = { kind: 'status' as const, title: 'S', selector: 'up', by: 'service' };
		const alert = (name: string, service: string, extra: Partial<AlertRow> = {}): AlertRow => ({ ruleId: `g/${name}`, fingerprint: name, name, severity: 'critical', state: 'firing', service, summary: '', since: 0, acknowledged: false, ...extra });
		const series = [up('payments', 1, 1000), up('checkout', 1, 1000), up('search', 1, 1000), up('storefront', 1, 1000)];
		// After recovery: every probe up, PaymentFailureRatioHigh still firing on payments.
		const cells = statusCells(tile, series, [alert('PaymentFailureRatioHigh', 'payments')], 1500);
		expect(cells[0]).toMatchObject({ name: 'payments', up: 1, tone: 'crit', alerts: ['PaymentFailureRatioHigh'] });
		expect(statusSummary(cells)).toEqual({ up: 4, total: 4, why: ['alert PaymentFailureRatioHigh firing'] });
		// ProbeDown kept firing (keep_firing_for) beside it: both named, worst and oldest first.
		const two = statusCells(tile, series, [alert('PaymentFailureRatioHigh', 'payments', { since: 5 }), alert('ProbeDown', 'payments', { since: 1 }), alert('Slow', 'payments', { severity: 'warning' })], 1500);
		expect(two[0]!.alerts).toEqual(['ProbeDown', 'PaymentFailureRatioHigh']);
		expect(statusSummary(two).why).toEqual(['alerts ProbeDown, PaymentFailureRatioHigh firing']);
		// A silenced alert colours nothing (it is listed, muted, on the alerts tile).
		const silenced = statusCells(tile, series, [alert('PaymentFailureRatioHigh', 'payments', { silenced: { id: 's1', until: 9e12, by: 'user:ann', comment: '' } })], 1500);
		expect(silenced.find((c) => c.name === 'payments')).toMatchObject({ tone: 'ok' });
		expect(silenced.find((c) => c.name === 'payments')!.alerts).toBeUndefined();
		// A service in maintenance: the cell says so and gives the tile no colour.
		const down = [up('payments', 0, 1000), up('search', 1, 1000)];
		const m = statusCells(tile, down, [], 1500, [{ series: 'payments', id: 'w1', name: 'Provider switch', until: 5000 }]);
		// Muted cells come after the others.
		expect(m[1]).toMatchObject({ name: 'payments', tone: 'crit', maintenance: { name: 'Provider switch', until: 5000 } });
		expect(worst(...m.map(cellTone))).toBe('ok');
		expect(statusSummary(m)).toEqual({ up: 1, total: 2, why: ['1 in maintenance'] });
	});

	it('alerts worst first: severity, then unmuted before muted, then firing before pending, then the oldest', () => {
		const a = (name: string, severity: AlertRow['severity'], since: number, extra: Partial<AlertRow> = {}): AlertRow => ({ ruleId: `g/${name}`, fingerprint: name, name, severity, state: 'firing', service: '', summary: '', since, acknowledged: false, ...extra });
		const rows = [
			a('warnOld', 'warning', 1),
			a('critSilenced', 'critical', 1, { silenced: { id: 's', until: 10, by: 'user:a', comment: '' } }),
			a('critNew', 'critical', 50),
			a('critPending', 'critical', 2, { state: 'pending' }),
			a('critOld', 'critical', 5),
			a('critMaint', 'critical', 0, { maintenance: { id: 'w', name: 'x', until: 10 } }),
			a('info', 'info', 0)
		];
		expect(orderAlerts(rows).map((r) => r.name)).toEqual(['critOld', 'critNew', 'critPending', 'critMaint', 'critSilenced', 'warnOld', 'info']);
	});

	it("a rule that watches the tile's series gives its threshold; one that differs from the tile's own is said", () => {
		const rule = (severity: TileRule['severity'], op: TileRule['op'], threshold: number, name = 'SystemFailureRatioAboveTarget'): TileRule => ({ tile: 0, source: 0, ruleId: `g/${name}`, name, severity, op, threshold });
		// No thresholds of its own: the rule's (warning: warn; higher is worse).
		expect(tileLimits(undefined, [rule('warning', '>', 0.001)])).toEqual({ th: { direction: 'above', warn: 0.001 }, from: { warn: 'SystemFailureRatioAboveTarget' }, differs: [] });
		// The same value: one source of truth; the tile's other level stays its own.
		expect(tileLimits({ warn: 0.001, crit: 0.01, direction: 'above' }, [rule('warning', '>', 0.001)])).toEqual({
			th: { warn: 0.001, crit: 0.01, direction: 'above' },
			from: { warn: 'SystemFailureRatioAboveTarget' },
			differs: []
		});
		// A different value: the tile keeps its own and says the rule's.
		const d = tileLimits({ warn: 0.002, direction: 'above' }, [rule('warning', '>', 0.001)]);
		expect(d.th).toEqual({ warn: 0.002, direction: 'above' });
		expect(d.differs).toEqual([{ level: 'warn', own: 0.002, rule: 'SystemFailureRatioAboveTarget', op: '>', threshold: 0.001 }]);
		// Lower is worse; info rules give no level; the strictest of two rules at one level.
		expect(tileLimits(undefined, [rule('critical', '<', 0.8, 'A'), rule('critical', '<', 0.9, 'B'), rule('info', '<', 0.95, 'C')]).th).toEqual({ direction: 'below', crit: 0.9 });
		expect(tileLimits(undefined, []).th).toBeUndefined();
	});

	it('one unit per tile: seconds as ms only when every value is under a second', () => {
		const ms = scaleFor('s', [0.21, 0.35, null]);
		expect(ms).toMatchObject({ factor: 1000, suffix: 'ms' });
		expect(scaledText(0.21, ms)).toBe('210 ms');
		// A threshold shown on that tile is in ms too, not "2.5s".
		expect(scaledText(2.5, ms)).toBe('2,500 ms');
		const s = scaleFor('s', [0.2, 3]);
		expect(formatScaled(0.2, s)).toEqual({ text: '0.2', suffix: 's' });
		expect(scaledText(3, s)).toBe('3 s');
		expect(scaledText(0.0123, scaleFor('%', []))).toBe('1.23 %');
		expect(formatScaled(Infinity, s)).toEqual({ text: '∞', suffix: 's' });
		expect(formatScaled(null, s)).toEqual({ text: '—', suffix: '' });
		expect(scaledText(12, scaleFor('/min', [12]))).toBe('12 /min');
	});

	it("times in the wall's zone, labelled", () => {
		const at = Date.UTC(2026, 0, 15, 13, 3);
		expect(wallTime(at, 'Europe/Berlin', at)).toBe('14:03');
		expect(wallTime(at, 'America/New_York', at)).toBe('08:03');
		expect(wallTime(at + 3 * 86_400_000, 'Europe/Berlin', at)).toBe('Sun 18 Jan 14:03');
		expect(zoneLabel('Europe/Berlin', at)).toBe('CET');
		expect(zoneLabel('Europe/Berlin', Date.UTC(2026, 6, 1))).toBe('CEST');
	});

	it('freshness: the newest series counts, stale past two intervals, none without data', () => {
		expect(tileAge([up('a', 1, 1000)], 4000)).toEqual({ ageMs: 3000, fresh: 'fresh' });
		expect(tileAge([up('a', 1, 1000)], 5100)).toEqual({ ageMs: 4100, fresh: 'stale' });
		expect(tileAge([], 5100)).toEqual({ ageMs: null, fresh: 'none' });
	});

	it('trend against the mean of the reference window', () => {
		expect(trend(120, [100, 100])).toBeCloseTo(0.2);
		expect(trend(null, [1])).toBeNull();
		expect(trend(5, [])).toBeNull();
	});

	it("SLO: the budget is the calendar period's, spent by bad minutes whenever they fall", () => {
		const o = { op: '<' as const, target: 0.001, goal: 0.99 };
		// November 2026 in Berlin: 30 days, so 1 % is 432 minutes of budget.
		const from = Date.UTC(2026, 9, 31, 23);
		const month = { tile: 0, objective: 0, label: '2026-11', zone: 'Europe/Berlin', from, to: Date.UTC(2026, 10, 30, 23), stepMs: 60_000, through: from + 3 * 86_400_000 };
		// Three days in, 108 bad minutes: a quarter of the month's budget, whatever the share of the three days.
		const s = sloState(o, 0, { ...month, good: 3 * 1440 - 108, bad: 108 });
		expect(s.budgetLeft).toBeCloseTo(0.75);
		expect(s.compliance).toBeCloseTo(1 - 108 / (3 * 1440));
		expect(s).toMatchObject({ met: true, period: '2026-11', tone: 'ok' });
		// Past 3/4 spent: warning; all of it: critical (never below 0).
		expect(sloState(o, 0, { ...month, good: 100, bad: 330 }).tone).toBe('warn');
		expect(sloState(o, 0, { ...month, good: 0, bad: 500 })).toMatchObject({ budgetLeft: 0, tone: 'crit' });
		// Missing the target now is a warning even with budget left.
		expect(sloState(o, 0.5, { ...month, good: 10, bad: 0 })).toMatchObject({ met: false, budgetLeft: 1, tone: 'warn' });
		// Before the server's first tally: no budget yet.
		expect(sloState(o, null, undefined)).toMatchObject({ met: null, budgetLeft: null, period: null, budgetText: 'no tally yet', tone: 'none' });
		// A selector that matched nothing all period: no minute judged, so no figure that reads as healthy.
		expect(sloState(o, null, { ...month, good: 0, bad: 0 })).toMatchObject({ met: null, compliance: null, budgetText: 'no data this period', tone: 'none' });
		expect(s.budgetText).toBe('75% left');
		// Rounded down: three bad minutes of a 30-day month's 7.2 hours are not "100% left"; nearly all spent is not "0% left".
		expect(sloState(o, 0, { ...month, good: 1000, bad: 3 }).budgetText).toBe('99% left');
		expect(sloState(o, 0, { ...month, good: 1000, bad: 0 }).budgetText).toBe('100% left');
		expect(budgetLeftText(0.004)).toBe('<1% left');
		expect(budgetLeftText(0)).toBe('0% left');
		// Just started: a value now, but no minute of the period judged yet.
		expect(sloState(o, 0, { ...month, good: 0, bad: 0 }).budgetText).toBe('judging first minute');
	});

	it('SLO with a next stage: ahead, how far the value now is from it; from its day on, it is the target', () => {
		const o = { op: '>=' as const, target: 0.9, goal: 0.99, next: { target: 0.95, from: '2027-07-01' } };
		const nextFrom = Date.UTC(2027, 5, 30, 22); // 1 Jul 2027 in Berlin
		const month = { tile: 0, objective: 0, label: '2027-06', zone: 'Europe/Berlin', from: Date.UTC(2027, 4, 31, 22), to: nextFrom, stepMs: 60_000, through: nextFrom - 86_400_000, good: 100, bad: 0, nextFrom };
		const before = sloState(o, 0.929, month, nextFrom - 1);
		expect(before).toMatchObject({ met: true, target: 0.9, tone: 'ok' });
		expect(before.next).toMatchObject({ target: 0.95, from: '2027-07-01', meets: false });
		expect(before.next!.short).toBeCloseTo(0.021, 9);
		// From the day on: 95 % is the target, 92.9 % misses it, and there is no next stage left.
		const after = sloState(o, 0.929, { ...month, label: '2027-07' }, nextFrom);
		expect(after).toMatchObject({ met: false, target: 0.95, next: null, tone: 'warn' });
		// Without the server's tally the day is not known: the current target, the stage still ahead.
		expect(sloState(o, 0.96, undefined, nextFrom + 1)).toMatchObject({ target: 0.9, next: { meets: true } });
	});

	it('orders items worst first, keeping the configured order within a tone', () => {
		const items = (['ok', 'none', 'warn', 'ok', 'crit', 'warn'] as const).map((tone, i) => ({ tone, i }));
		expect(worstFirst(items).map((x) => x.i)).toEqual([4, 2, 5, 0, 3, 1]);
	});

	it('a stat of several series: one value each, worst first, at most four, labelled by what differs', () => {
		const s = (service: string, value: number): SeriesState => ({ id: service, name: 'latency', labels: { service, env: 'prod' }, value, ts: 1000, intervalMs: 2000 });
		const r = statItems([s('search', 0.2), s('checkout', 3), s('cart', 0.1), s('payments', 1.5), s('auth', 0.3)], { warn: 1, crit: 2.5, direction: 'above' }, 1500);
		expect(r.items.map((x) => [x.label, x.tone])).toEqual([
			['checkout', 'crit'],
			['payments', 'warn'],
			['auth', 'ok'],
			['cart', 'ok']
		]);
		expect(r.more).toBe(1);
		expect(statItems([s('search', 0.2)], undefined, 1500)).toMatchObject({ items: [{ label: '', tone: 'neutral' }], more: 0 });
	});

	it('the daily soft reload: due once the quiet hour passes after the page loaded, not again after it', () => {
		const at = (h: number, m: number, day = 23) => new Date(2026, 10, day, h, m).getTime();
		expect(reloadDue('04:00', at(1, 0), at(3, 59))).toBe(false);
		expect(reloadDue('04:00', at(1, 0), at(4, 0))).toBe(true);
		// Missed while Vigil did not answer: still due within the hour, not later.
		expect(reloadDue('04:00', at(1, 0), at(4, 59))).toBe(true);
		expect(reloadDue('04:00', at(1, 0), at(5, 1))).toBe(false);
		// The reloaded page (loaded after 04:00) is not due again that day.
		expect(reloadDue('04:00', at(4, 0) + 5000, at(4, 1))).toBe(false);
		// Just after midnight, the quiet hour of the day before counts.
		expect(reloadDue('23:30', at(23, 0, 22), at(0, 10))).toBe(true);
		expect(reloadDue('off', at(1, 0), at(4, 0))).toBe(false);
	});

	it('chart thresholds: a line near the data, an edge marker when far from it', () => {
		// Latency around 0.1–0.3 s against warn 1 s and crit 2.5 s: both off the top.
		expect(thresholdPlacement(0.1, 0.3, 1)).toBe('above');
		expect(thresholdPlacement(0.1, 0.3, 2.5)).toBe('above');
		// Slow (up to 0.8 s): the warning is near and drawn; the critical one stays a marker.
		expect(thresholdPlacement(0.1, 0.8, 1)).toBe('line');
		expect(thresholdPlacement(0.1, 0.8, 2.5)).toBe('above');
		expect(thresholdPlacement(50, 60, 5)).toBe('below');
		// A flat line: the span is a quarter of its size.
		expect(thresholdPlacement(100, 100, 120)).toBe('line');
		expect(thresholdPlacement(100, 100, 130)).toBe('above');
		expect(thresholdPlacement(Infinity, -Infinity, 3)).toBe('line');
	});

	it('layout: by default every tile keeps its place and size, failing or not', () => {
		expect(layout(['ok', 'warn', 'ok', 'crit'], 4)).toEqual([
			{ index: 0, tone: 'ok', cols: 1, rows: 1 },
			{ index: 1, tone: 'warn', cols: 1, rows: 1 },
			{ index: 2, tone: 'ok', cols: 1, rows: 1 },
			{ index: 3, tone: 'crit', cols: 1, rows: 1 }
		]);
		expect(layout(['crit', 'ok'], 4, 'stay').map((p) => p.index)).toEqual([0, 1]);
		// A tile's own size (cols, rows) from the board, at most the grid's width.
		expect(layout(['ok', 'crit', 'ok'], 4, 'stay', [{ rows: 2 }, {}, { cols: 6 }])).toEqual([
			{ index: 0, tone: 'ok', cols: 1, rows: 2 },
			{ index: 1, tone: 'crit', cols: 1, rows: 1 },
			{ index: 2, tone: 'ok', cols: 4, rows: 1 }
		]);
	});

	it('layout (failing: grow): critical tiles first and 2×2, warnings next and 2×1, the rest in board order', () => {
		expect(layout(['ok', 'warn', 'ok', 'crit'], 4, 'grow')).toEqual([
			{ index: 3, tone: 'crit', cols: 2, rows: 2 },
			{ index: 1, tone: 'warn', cols: 2, rows: 1 },
			{ index: 0, tone: 'ok', cols: 1, rows: 1 },
			{ index: 2, tone: 'ok', cols: 1, rows: 1 }
		]);
		expect(layout(['crit'], 2, 'grow')).toEqual([{ index: 0, tone: 'crit', cols: 1, rows: 1 }]);
	});

	it('layout: failing tiles grow only into the cells the grid has to spare', () => {
		// The demo board in checkout-down: 9 tiles on 4 columns keep their 3 rows; the two critical
		// tiles and the warning take two columns each, and nothing takes a second row.
		const placed = layout(['crit', 'crit', 'warn', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'], 4, 'grow');
		expect(placed.slice(0, 3).map((p) => [p.index, p.cols, p.rows])).toEqual([
			[0, 2, 1],
			[1, 2, 1],
			[2, 2, 1]
		]);
		expect(placed.reduce((n, p) => n + p.cols * p.rows, 0)).toBeLessThanOrEqual(12);
		// A full grid gets one more row to grow into.
		const full = layout(['ok', 'ok', 'ok', 'crit'], 4, 'grow');
		expect(full[0]).toEqual({ index: 3, tone: 'crit', cols: 2, rows: 2 });
		expect(full.reduce((n, p) => n + p.cols * p.rows, 0)).toBe(7);
		// One critical tile among few: 2×2.
		expect(layout(['ok', 'crit', 'ok', 'ok', 'ok'], 4, 'grow')[0]).toEqual({ index: 1, tone: 'crit', cols: 2, rows: 2 });
	});
});

describe('alerts tile on the worst day', () => {
	const base = { ruleId: 'g/r', fingerprint: 'f', name: 'r', severity: 'warning', state: 'firing', service: '', summary: '', since: 0, acknowledged: false } as const;
	it('shows the true totals from the summary, and what the cut rows leave out by rule', () => {
		const rows = Array.from({ length: 100 }, (_, i) => ({ ...base, fingerprint: `f${i}`, name: 'wall_screen_down' }));
		const v = alertsView(rows, { total: 2204, firing: 2204, mutedFiring: 0, bySeverity: { critical: 300, warning: 1904, info: 0 }, byRule: [{ name: 'wall_screen_down', count: 1900 }, { name: 'ProbeDown', count: 300 }] }, 6);
		expect(v.rows).toHaveLength(6);
		expect(v.firing).toBe(2204);
		expect(v.more).toBe(2198);
		expect(v.tone).toBe('crit');
		expect(v.byRule[0]).toEqual({ name: 'wall_screen_down', count: 1900 });
	});
	it('without a summary counts what it has, and names no rules', () => {
		const v = alertsView([{ ...base }, { ...base, fingerprint: 'g', severity: 'critical' }], null, 1);
		expect(v).toMatchObject({ firing: 2, more: 1, tone: 'crit', byRule: [] });
		expect(v.rows[0]!.severity).toBe('critical');
	});
});
