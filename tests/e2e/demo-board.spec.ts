import { expect, test, type Page } from '@playwright/test';
import { artifact } from '../helpers/artifacts';
import { createKiosk, type Kiosk } from '../helpers/kiosk';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';
import { shippedDemoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

/**
 * The shipped demo-shop board (every tile kind) with the demo shop: screenshots at 1920×1080 and
 * 3840×2160, all green, then `checkout-down`: the failing tile is highlighted in its place, and
 * nothing scrolls; then `payment-outage` and its recovery, as a new user first sees it.
 */
let redis: TestRedis;
let vigil: VigilProcess;
let shopUrl: string;
let kiosk: Kiosk;

test.beforeAll(async () => {
	redis = await startTestRedis();
	const shopPort = await freePort();
	shopUrl = `http://127.0.0.1:${shopPort}`;
	const config = shippedDemoConfig(shopPort, `e2eb${process.pid}:`, 20);
	vigil = await startVigilProcess({ config, redisUrl: redis.url });
	kiosk = createKiosk(vigil, redis.url, 'shop-screen', ['--board', 'demo-shop']);
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

const tile = (page: Page, title: string) => page.locator(`[data-testid="board-tile"][data-title="${title}"]`);

async function noScrolling(page: Page): Promise<void> {
	const { sh, ih, sw, iw } = await page.evaluate(() => ({ sh: document.documentElement.scrollHeight, ih: innerHeight, sw: document.documentElement.scrollWidth, iw: innerWidth }));
	expect(sh).toBeLessThanOrEqual(ih);
	expect(sw).toBeLessThanOrEqual(iw);
}

async function shoot(page: Page, name: string): Promise<void> {
	for (const [w, h] of [
		[1920, 1080],
		[3840, 2160]
	] as const) {
		await page.setViewportSize({ width: w, height: h });
		await page.waitForTimeout(1200);
		await noScrolling(page);
		await page.screenshot({ path: artifact(`${name}-${w}x${h}.png`) });
	}
	await page.setViewportSize({ width: 1920, height: 1080 });
}

test('the demo-shop board: every tile kind live, then checkout-down highlights its tile in its place', async ({ page }) => {
	test.setTimeout(240_000);
	await page.goto(kiosk.url);
	await expect(page).toHaveURL(`${vigil.url}/wall/demo-shop`);
	await expect(page.getByTestId('board-title')).toHaveText('Demo shop');
	const kinds = await page.getByTestId('board-tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
	expect(new Set(kinds)).toEqual(new Set(['status', 'stat', 'chart', 'queue', 'alerts', 'slo']));
	await expect(tile(page, 'Services').getByTestId('status-cell')).toHaveCount(4, { timeout: 15_000 });
	await expect(tile(page, 'Services').locator('[data-name="checkout"]')).toHaveAttribute('data-tone', 'ok');
	await expect(tile(page, 'Orders per minute').getByTestId('tile-value')).toHaveText(/\d/);
	await expect(tile(page, 'Orders queue')).not.toHaveAttribute('data-fresh', 'none', { timeout: 15_000 });
	await expect(tile(page, 'Service quality').getByTestId('slo')).toHaveCount(5);
	// Values at least 6 % of the viewport height at 1080p (64.8 px), on every kind of tile.
	const sizes = await page.getByTestId('board-tile').evaluateAll((els) =>
		els.map((e) => [e.getAttribute('data-kind'), Math.min(...[...e.querySelectorAll('[data-testid="tile-value"]')].map((v) => parseFloat(getComputedStyle(v).fontSize)))] as const)
	);
	expect(new Set(sizes.map(([k]) => k))).toEqual(new Set(['status', 'stat', 'chart', 'queue', 'alerts', 'slo']));
	for (const [kind, px] of sizes) expect(px, `${kind} value`).toBeGreaterThanOrEqual(0.06 * 1080);
	// SLO budgets are over the calendar month in the reports' zone (Europe/Berlin), as reports count them.
	const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
	await expect(tile(page, 'Service quality').getByTestId('slo-period')).toHaveText(`budget ${month}`, { timeout: 15_000 });
	for (const budget of await tile(page, 'Service quality').getByTestId('slo').evaluateAll((els) => els.map((e) => [e.getAttribute('data-period'), Number(e.getAttribute('data-budget-left'))]))) {
		expect(budget[0]).toBe(month);
		expect(budget[1]).toBeGreaterThanOrEqual(0);
		expect(budget[1]).toBeLessThanOrEqual(1);
	}
	// Staged targets (the plan's next year): each objective with a next stage says it under its
	// target, with how far the value now is from it; First response and Closed have none.
	const slo = (name: string) => tile(page, 'Service quality').locator(`[data-testid="slo"][data-name="${name}"]`);
	await expect(slo('Satisfaction').getByTestId('slo-next')).toHaveText(/^next ≥ 95(\.0+)? % from Jul 2027 · (\d+(\.\d+)? pp short|met already)$/, { timeout: 15_000 });
	await expect(slo('Failure rate').getByTestId('slo-next')).toHaveText(/^next < 0\.05 % from Jul 2027( · (\d+(\.\d+)? pp over|met already))?$/);
	await expect(slo('Answered').getByTestId('slo-next')).toHaveText(/^next ≤ 12 h from Jul 2027( · (.+ over|met already))?$/);
	await expect(slo('First response').getByTestId('slo-next')).toHaveCount(0);
	await expect(slo('Closed').getByTestId('slo-next')).toHaveCount(0);
	// The gap is the value now against 95 %, in percentage points.
	const short = Number(await slo('Satisfaction').getByTestId('slo-next').getAttribute('data-short'));
	const text = (await slo('Satisfaction').getByTestId('slo-next').textContent()) ?? '';
	if (short > 0) expect(text).toContain(`${Number((short * 100).toPrecision(2))} pp short`);
	else expect(text).toContain('met already');
	// The latency chart's warning (2 s, as the rule CheckoutLatencyHigh) is a line at its value or,
	// far above the data, a marker above the plot; labelled in the chart's one unit.
	const latency = tile(page, 'Latency p95');
	const warn = latency.locator('[data-testid="threshold-line"][data-key="warn"], [data-testid="threshold-marker"][data-key="warn"][data-edge="above"]');
	await expect(warn).toHaveCount(1);
	// The unit follows the values in view (ms while all are below a second), so it may change as
	// data arrives: the unit, the threshold's label and the value are read together until they agree.
	const value = latency.getByTestId('tile-value');
	await expect
		.poll(
			async () => {
				const unit = await latency.getByTestId('chart').getAttribute('data-unit');
				const label = (await warn.first().textContent()) ?? '';
				const shown = ((await value.textContent()) ?? '').trim();
				return { unit, labelled: label.includes(unit === 'ms' ? 'warn 2,000 ms' : 'warn 2 s'), valued: new RegExp(`\\d${unit}$`).test(shown) };
			},
			{ timeout: 15_000 }
		)
		.toMatchObject({ labelled: true, valued: true });
	// Orders per minute has no threshold: no "OK", whatever the value.
	await expect(tile(page, 'Orders per minute')).toHaveAttribute('data-tone', 'neutral');
	const before = (await tile(page, 'Services').boundingBox())!;
	await shoot(page, 'demo-shop-normal');

	const switched = await fetch(`${shopUrl}/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'checkout-down' }) });
	expect(switched.status).toBe(200);
	await expect(tile(page, 'Services')).toHaveAttribute('data-tone', 'crit', { timeout: 15_000 });
	await expect(tile(page, 'Services').locator('[data-name="checkout"]')).toHaveAttribute('data-tone', 'crit');
	await expect(tile(page, 'Services').locator('[data-name="checkout"]')).toContainText('DOWN');
	// The board keeps its places (failing: stay, the default): the critical tile is highlighted where it was, its size unchanged.
	await expect(tile(page, 'Services')).toHaveAttribute('data-grown', 'no');
	const after = (await tile(page, 'Services').boundingBox())!;
	expect([after.width, after.height]).toEqual([before.width, before.height]);
	// (The burn-in shift moves the whole board by at most 4 px.)
	expect(Math.abs(after.x - before.x)).toBeLessThanOrEqual(5);
	expect(Math.abs(after.y - before.y)).toBeLessThanOrEqual(5);
	await noScrolling(page);
	await shoot(page, 'demo-shop-checkout-down');

	// ProbeDown fires after its minute: the alerts tile lists it, critical, with its open incident.
	const row = tile(page, 'Active alerts').getByTestId('alert-row').filter({ hasText: 'ProbeDown' });
	await expect(row).toHaveCount(1, { timeout: 60_000 });
	await expect(row).toHaveAttribute('data-state', 'firing', { timeout: 90_000 });
	await expect(row).toHaveAttribute('data-severity', 'critical');
	await expect(row).toContainText('checkout');
	await expect(row.getByTestId('alert-ack')).toHaveText(/^UNACK INC-\d+$/, { timeout: 10_000 });
	await expect(tile(page, 'Active alerts')).toHaveAttribute('data-tone', 'crit');
	await page.screenshot({ path: artifact('demo-shop-probe-down-1920x1080.png') });
});

test('payment-outage, then recovery: the services tile counts probes and names the alert that keeps it red', async ({ page }) => {
	test.setTimeout(420_000);
	await page.goto(kiosk.url);
	const switchTo = async (scenario: string) => {
		const r = await fetch(`${shopUrl}/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario }) });
		expect(r.status).toBe(200);
	};
	await switchTo('payment-outage');
	const services = tile(page, 'Services');
	await expect(services.locator('[data-name="payments"]')).toHaveAttribute('data-tone', 'crit', { timeout: 15_000 });
	await expect(services.locator('[data-name="payments"]').getByTestId('cell-state')).toHaveText('DOWN');
	await expect(services.getByTestId('tile-value')).toHaveText(/^[0-3]\/4 probes up$/);
	const paymentAlert = tile(page, 'Active alerts').getByTestId('alert-row').filter({ hasText: 'PaymentFailureRatioHigh' });
	await expect(paymentAlert).toHaveAttribute('data-state', 'firing', { timeout: 300_000 });
	// Every list is whole or says how many more; a hidden row is never worse than a shown one.
	const rows = await tile(page, 'Active alerts').getByTestId('alert-row').evaluateAll((els) => els.map((e) => ({ sev: e.getAttribute('data-severity'), hidden: getComputedStyle(e).visibility === 'hidden' })));
	const hidden = rows.filter((r) => r.hidden).length;
	await expect(tile(page, 'Active alerts').getByTestId('list-more')).toHaveCount(hidden ? 1 : 0);
	const rank = { critical: 0, warning: 1, info: 2 } as Record<string, number>;
	const worstHidden = Math.min(...rows.filter((r) => r.hidden).map((r) => rank[r.sev!]!));
	for (const r of rows.filter((r) => !r.hidden)) expect(rank[r.sev!]!).toBeLessThanOrEqual(worstHidden);
	await shoot(page, 'demo-shop-payment-outage');

	// The probe recovers at once; the failure ratio of the last 10 minutes keeps the alert firing.
	await switchTo('normal');
	await expect(services.locator('[data-name="payments"]')).not.toHaveAttribute('data-tone', 'none', { timeout: 15_000 });
	await expect(services.getByTestId('tile-value')).toHaveText('4/4 probes up', { timeout: 15_000 });
	await expect(paymentAlert).toHaveAttribute('data-state', 'firing');
	await expect(services).toHaveAttribute('data-tone', 'crit');
	// ProbeDown may still be firing too (keep_firing_for 2m): the tile names every alert that keeps it red.
	await expect(services.getByTestId('status-why')).toHaveText(/^alerts? (ProbeDown, )?PaymentFailureRatioHigh firing$/);
	await expect(services.locator('[data-name="payments"]').getByTestId('cell-name')).toHaveText('payments');
	await expect(services.locator('[data-name="payments"]').getByTestId('cell-state')).toHaveText(/^UP · alerts? (ProbeDown, )?PaymentFailureRatioHigh$/);
	await shoot(page, 'demo-shop-payment-recovered');
});
