import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { Redis } from 'ioredis';
import { MaintenanceStore, parseWindowInput, parseSilenceInput, SilenceStore } from '../../src/lib/server/alerting/muting';
import { createKeys } from '../../src/lib/server/keys';
import { artifact } from '../helpers/artifacts';
import { createKiosk, vigilCli, type Kiosk } from '../helpers/kiosk';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { findCutText } from '../helpers/wall-text';

/**
 * What the wall says is true: lists say "+N more" and never hide a worse item behind a better one;
 * a service keeps its name and the tile says which alert colours it; one unit per chart, each
 * threshold at its own value; no threshold is neutral, not OK; a rule that watches a tile gives it
 * its threshold (and a differing one is said); silenced and maintenance alerts are marked and
 * dimmed, a service in maintenance says so; times are in `reports.timeZone`, labelled, whatever the
 * screen's own zone.
 */
test.describe.configure({ mode: 'serial' });

const PREFIX = `truth${process.pid}:`;
let redis: TestRedis;
let vigil: VigilProcess;
let kiosk: Kiosk;
let pushToken: string;
let dir: string;

const RULES = `groups:
  - name: e2e
    interval: 1s
    rules:
      - { alert: RatioHigh, expr: 'e2e_ratio > 0.001', severity: warning, nodata: ok }
      - { alert: OwnRatioHigh, expr: 'e2e_ratio2 > 0.001', severity: warning, nodata: ok }
      - { alert: PaymentFailuresHigh, expr: 'e2e_fail > 0', severity: critical, labels: { service: payments } }
      - { alert: CriticalThing, expr: 'e2e_crit > 0', severity: critical }
      - { alert: WarningThing, expr: 'e2e_warn > 0', severity: warning }
`;

const config = (rulesFile: string) => `redis:
  prefix: "${PREFIX}"
log:
  level: debug
reports:
  timeZone: Europe/Berlin
alerts:
  ruleFiles: [${rulesFile}]
collectors: []
wall:
  boards:
    - name: truth
      title: Truth board
      columns: 4
      failing: grow
      tiles:
        - { kind: alerts, title: Alerts, max: 20, rows: 2 }
        - { kind: status, title: Services, selector: e2e_up, by: service, rows: 2 }
        - { kind: stat, title: Ratio, selector: e2e_ratio, unit: "%" }
        - { kind: stat, title: Own ratio, selector: e2e_ratio2, unit: "%", thresholds: { warn: 0.002 } }
        - { kind: stat, title: Plain, selector: e2e_plain, unit: /min }
        - { kind: chart, title: Latency, window: 5m, unit: s, thresholds: { warn: 1, crit: 2.5 }, series: [{ selector: e2e_latency, label: api }] }
        - { kind: stat, title: Filler 1, selector: e2e_filler1 }
        - { kind: stat, title: Filler 2, selector: e2e_filler2 }
`;

test.beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'vigil-truth-'));
	const rulesFile = join(dir, 'truth.rules.yml');
	writeFileSync(rulesFile, RULES);
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: config(rulesFile), redisUrl: redis.url });
	kiosk = createKiosk(vigil, redis.url, 'truth-screen', ['--board', 'truth']);
	const r = vigilCli(vigil, redis.url, ['token', 'create', '--name', 'pusher', '--scope', 'push']);
	expect(r.code, r.err).toBe(0);
	pushToken = r.out.split('\n')[0]!.trim();
	// Four probes up, one critical alert on payments, three more critical ones and eight warnings.
	await push([
		...['storefront', 'search', 'checkout', 'payments'].map((service) => ({ metric: 'e2e_up', labels: { service }, value: 1 })),
		{ metric: 'e2e_fail', value: 1 },
		...[1, 2, 3].map((n) => ({ metric: 'e2e_crit', labels: { n: String(n) }, value: 1 })),
		...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ metric: 'e2e_warn', labels: { n: String(n) }, value: 1 }))
	]);
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

const tile = (page: Page, title: string) => page.locator(`[data-testid="board-tile"][data-title="${title}"]`);

async function push(items: Array<{ metric: string; labels?: Record<string, string>; value: number }>): Promise<void> {
	const res = await fetch(`${vigil.url}/api/v1/push`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${pushToken}` },
		body: JSON.stringify(items.map((i) => ({ labels: {}, ...i, ts: Date.now() })))
	});
	expect(res.status).toBe(200);
}

/** Items of a list as laid out: visible or hidden by the fit, and whether each lies inside the list. */
async function listState(page: Page, title: string, item: string) {
	return tile(page, title).evaluate((t, item) => {
		const items = [...t.querySelectorAll<HTMLElement>(`[data-testid="${item}"]`)];
		const list = items[0]?.parentElement;
		const box = list?.getBoundingClientRect();
		return items.map((e) => {
			const r = e.getBoundingClientRect();
			return { text: e.textContent ?? '', severity: e.dataset.severity, muted: e.dataset.muted, hidden: getComputedStyle(e).visibility === 'hidden', inside: !!box && r.bottom <= box.bottom + 1 && r.right <= box.right + 1 };
		});
	}, item);
}

test('lists show what fits, worst first, and say how many more; a service keeps its name and the tile names the alert that colours it', async ({ page }) => {
	await page.goto(kiosk.url);
	await expect(page).toHaveURL(`${vigil.url}/wall/truth`);
	const alerts = tile(page, 'Alerts');
	await expect(alerts.getByTestId('alert-row')).toHaveCount(12, { timeout: 20_000 });
	await expect(alerts.getByTestId('alert-row').filter({ hasText: 'WarningThing' }).first()).toHaveAttribute('data-state', 'firing', { timeout: 10_000 });
	await expect(alerts.getByTestId('tile-value')).toHaveText('12firing', { timeout: 10_000 });
	// Not every row fits: the ones shown lie wholly inside the list, the critical ones first, and
	// "+N more" counts exactly the ones hidden.
	await expect(alerts.getByTestId('list-more')).toBeVisible();
	const rows = await listState(page, 'Alerts', 'alert-row');
	const shown = rows.filter((r) => !r.hidden);
	expect(shown.length).toBeGreaterThan(0);
	expect(shown.length).toBeLessThan(12);
	expect(shown.every((r) => r.inside)).toBe(true);
	expect(rows.slice(0, shown.length).every((r) => !r.hidden)).toBe(true);
	expect(rows.slice(0, 4).map((r) => r.severity)).toEqual(['critical', 'critical', 'critical', 'critical']);
	await expect(alerts.getByTestId('list-more')).toHaveText(`+${12 - shown.length} more`);

	// All four probes up, one service coloured by a firing alert: the count is the probes', the
	// name stays whole, and the tile says why it is red.
	const services = tile(page, 'Services');
	await expect(services).toHaveAttribute('data-tone', 'crit');
	await expect(services.getByTestId('tile-value')).toHaveText('4/4 probes up');
	await expect(services.getByTestId('status-why')).toHaveText('alert PaymentFailuresHigh firing');
	const payments = services.locator('[data-name="payments"]');
	await expect(payments.getByTestId('cell-name')).toHaveText('payments');
	await expect(payments.getByTestId('cell-state')).toHaveText('UP · alert PaymentFailuresHigh');
	// Names are never cut: no text is narrower than what it holds.
	const cut = await page.locator('[data-testid="board-tile"] :is(h2, .cell-name, .alert-name, .stat-label, .slo-name)').evaluateAll((els) =>
		els.filter((e) => getComputedStyle(e).visibility !== 'hidden' && e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent)
	);
	expect(cut).toEqual([]);
	// failing: grow: the critical alerts tile came first and grew into the spare cells. The
	// services tile, one column wide, shows its worst cell whatever the length of the alert's name
	// above it (that line gives way, ending in "…"): its cells are whole where shown, and "+N
	// more" counts exactly the ones that are not.
	await expect(tile(page, 'Alerts')).toHaveAttribute('data-grown', 'yes');
	const cells = await listState(page, 'Services', 'status-cell');
	expect(cells.filter((c) => !c.hidden).every((c) => c.inside)).toBe(true);
	const notShown = cells.filter((c) => c.hidden).length;
	await expect(services.getByTestId('list-more')).toHaveCount(notShown ? 1 : 0);
	if (notShown) await expect(services.getByTestId('list-more')).toHaveText(`+${notShown} more`);
	expect(cells[0]!.hidden, 'the worst cell is shown').toBe(false);
	await expect.poll(() => findCutText(page), { timeout: 5000 }).toEqual([]);
	await page.screenshot({ path: artifact('wall-truth-lists-1920x1080.png') });
	await page.setViewportSize({ width: 3840, height: 2160 });
	await page.waitForTimeout(1000);
	await expect.poll(() => findCutText(page), { timeout: 5000 }).toEqual([]);
	await page.screenshot({ path: artifact('wall-truth-lists-3840x2160.png') });
});

test('silenced and maintenance alerts are marked with until when, dimmed and sorted after the others; a service in maintenance says so', async ({ page }) => {
	const client = new Redis(redis.url);
	try {
		const keys = createKeys(PREFIX);
		const audit = { record: async () => '' };
		const until = Date.now() + 2 * 3_600_000;
		await new SilenceStore(client, keys, audit).create(parseSilenceInput({ matchers: '{alertname="CriticalThing", n="1"}', endsAt: new Date(until).toISOString(), comment: 'known' }), { actor: 'user:ann' });
		await new MaintenanceStore(client, keys, audit).create(
			parseWindowInput({ name: 'Search upgrade', matchers: '{service="search"}', timeZone: 'UTC', schedule: { kind: 'once', start: new Date(Date.now() - 60_000).toISOString(), end: new Date(until).toISOString() } }),
			{ actor: 'user:ann' }
		);
		await push([{ metric: 'e2e_up', labels: { service: 'search' }, value: 0 }]);
		await page.goto(kiosk.url);
		const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(until);
		const silenced = tile(page, 'Alerts').locator('[data-testid="alert-row"][data-muted="silenced"]');
		await expect(silenced).toHaveCount(1, { timeout: 20_000 });
		await expect(silenced.getByTestId('alert-mute')).toHaveText(`silenced until ${berlin} by ann`);
		expect(Number(await silenced.evaluate((e) => getComputedStyle(e).opacity))).toBeLessThan(0.8);
		// After the unmuted critical ones, before the warnings.
		const order = await tile(page, 'Alerts')
			.getByTestId('alert-row')
			.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-severity')}/${e.getAttribute('data-muted')}`));
		expect(order.slice(0, 4)).toEqual(['critical/no', 'critical/no', 'critical/no', 'critical/silenced']);
		// Muted alerts are counted apart from the firing ones.
		await expect(tile(page, 'Alerts').getByTestId('tile-value')).toHaveText('11firing');
		await expect(tile(page, 'Alerts').getByTestId('alerts-muted')).toHaveText('+ 1 muted');

		const search = tile(page, 'Services').locator('[data-name="search"]');
		await expect(search).toHaveAttribute('data-maintenance', 'yes', { timeout: 10_000 });
		await expect(search.getByTestId('cell-state')).toHaveText(`DOWN · maintenance “Search upgrade” until ${berlin}`);
		await expect(tile(page, 'Services').getByTestId('status-why')).toContainText('1 in maintenance');
		await page.screenshot({ path: artifact('wall-truth-muted-1920x1080.png') });
	} finally {
		client.disconnect();
	}
});

test("one unit per chart, each threshold at its own value; no threshold is neutral; a rule's threshold colours the tile it watches", async ({ page }) => {
	for (const v of [0.2, 0.5, 0.8]) {
		await push([
			{ metric: 'e2e_latency', value: v },
			{ metric: 'e2e_ratio', value: 0.005 },
			{ metric: 'e2e_ratio2', value: 0.0015 },
			{ metric: 'e2e_plain', value: 0 }
		]);
		// Each in a step of its own in the chart's history (5 min / 240 points).
		await page.waitForTimeout(1300);
	}
	await page.goto(kiosk.url);
	const chart = tile(page, 'Latency');
	// Under a second everywhere: ms in the headline, on the axis, and in every threshold label.
	await expect(chart.getByTestId('tile-value')).toHaveText('800ms');
	await expect(chart.getByTestId('chart')).toHaveAttribute('data-unit', 'ms');
	await expect(chart.locator('[data-testid="threshold-line"][data-key="warn"]')).toHaveText('warn 1,000 ms');
	const crit = chart.locator('[data-testid="threshold-marker"][data-key="crit"]');
	await expect(crit).toHaveText('▲ crit 2,500 ms off scale');
	// The warn line is drawn at 1,000 ms on the scale; the crit marker sits above the plot, not on it.
	const box = chart.getByTestId('chart');
	const [top, yMax] = [Number(await box.getAttribute('data-area-top')), Number(await box.getAttribute('data-y-max'))];
	expect(yMax).toBeGreaterThanOrEqual(1000);
	expect(yMax).toBeLessThan(2500);
	const boxTop = (await box.boundingBox())!.y;
	expect((await crit.boundingBox())!.y + (await crit.boundingBox())!.height).toBeLessThanOrEqual(boxTop + top + 1);
	const warnPx = Number(await chart.locator('[data-testid="threshold-line"][data-key="warn"]').getAttribute('data-px'));
	expect(warnPx).toBeGreaterThanOrEqual(top);

	// No threshold: no colour of state and no "OK", whatever the value.
	const plain = tile(page, 'Plain');
	await expect(plain).toHaveAttribute('data-tone', 'neutral');
	await expect(plain.getByTestId('tile-state')).toHaveText('');
	// The rule RatioHigh (e2e_ratio > 0.001, warning) gives the tile its threshold.
	await expect(tile(page, 'Ratio')).toHaveAttribute('data-tone', 'warn', { timeout: 10_000 });
	await expect(tile(page, 'Ratio').getByTestId('tile-limits')).toHaveText('warn > 0.1 % · rule RatioHigh');
	// A tile's own threshold that differs from the rule's stays, and says so.
	await expect(tile(page, 'Own ratio')).toHaveAttribute('data-tone', 'ok');
	await expect(tile(page, 'Own ratio').getByTestId('limits-differ')).toHaveText('▲ warn > 0.2 % here, rule OwnRatioHigh: > 0.1 %');
	await page.screenshot({ path: artifact('wall-truth-units-1920x1080.png') });
});

test("the clock and every time on the wall are in reports.timeZone, labelled, not the screen's zone", async ({ browser }) => {
	const context = await browser.newContext({ timezoneId: 'America/New_York' });
	const page = await context.newPage();
	try {
		await page.goto(kiosk.url);
		const zone = page.getByTestId('zone');
		await expect(zone).toHaveAttribute('data-zone', 'Europe/Berlin');
		const short = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', timeZoneName: 'short' }).formatToParts(Date.now()).find((p) => p.type === 'timeZoneName')!.value;
		await expect(zone).toHaveText(short);
		const hm = (at: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
		const clock = (await page.getByTestId('clock').textContent())!.slice(0, 5);
		expect([hm(Date.now()), hm(Date.now() - 60_000)]).toContain(clock);
	} finally {
		await context.close();
	}
});
