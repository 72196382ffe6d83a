import { expect, test } from '@playwright/test';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';
import { shippedDemoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

/**
 * The shipped demo, as `npm start` runs it (its own Redis and ports here): the printed kiosk link
 * opens the demo-shop board, which shows the shop's uptime, throughput, latency, backlogs and
 * service quality live, and a payment outage within 5 s.
 */
let redis: TestRedis;
let vigil: VigilProcess;
let shopUrl: string;
let kioskUrl: string;

test.beforeAll(async () => {
	redis = await startTestRedis();
	const shopPort = await freePort();
	shopUrl = `http://127.0.0.1:${shopPort}`;
	const config = shippedDemoConfig(shopPort, `e2e${process.pid}:`, 20);
	vigil = await startVigilProcess({ config, redisUrl: redis.url });
	// As `npm start` does: a kiosk link for the demo board (the config's first), next to "Vigil is running".
	const line = await vigil.waitForOutput(/Wall for screens: \S+/);
	const printed = line.replace('Wall for screens: ', '');
	expect(printed).toMatch(new RegExp(`^http://localhost:${vigil.port}/wall/demo-shop\\?token=vgk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32}$`));
	kioskUrl = printed.replace('http://localhost:', 'http://127.0.0.1:');
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

test('the printed kiosk link shows the demo-shop board live, and a payment outage within 5 s', async ({ page }) => {
	await page.goto(kioskUrl);
	await expect(page).toHaveURL(`${vigil.url}/wall/demo-shop`);
	await expect(page.getByTestId('board-title')).toHaveText('Demo shop');
	const tile = (title: string) => page.locator(`[data-testid="board-tile"][data-title="${title}"]`);
	const services = tile('Services').getByTestId('status-cell');
	await expect(services).toHaveCount(4, { timeout: 15_000 });
	for (const service of ['storefront', 'search', 'checkout', 'payments']) {
		await expect(tile('Services').locator(`[data-name="${service}"]`)).toHaveAttribute('data-tone', 'ok');
	}
	await expect(tile('Orders per minute').getByTestId('tile-value')).toHaveText(/\d/);
	await expect(tile('Latency p95').getByTestId('tile-value')).toHaveText(/^\d[\d,.]*\s*(ms|s)$/, { timeout: 15_000 });
	await expect(tile('Orders queue')).toHaveCount(1);
	await expect(tile('Service quality').getByTestId('slo')).toHaveCount(5);
	await page.screenshot({ path: 'test-results/demo-wall.png' });

	const switched = await fetch(`${shopUrl}/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'payment-outage' }) });
	expect(switched.status).toBe(200);
	await expect(tile('Services').locator('[data-name="payments"]')).toHaveAttribute('data-tone', 'crit', { timeout: 5000 });
	await expect(tile('Failure ratio').getByTestId('tile-value')).not.toHaveText(/^0(\.0+)?\s*%$/, { timeout: 5000 });
	await page.screenshot({ path: 'test-results/demo-wall-payment-outage.png' });
});
