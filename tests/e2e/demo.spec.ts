import { expect, test } from '@playwright/test';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';
import { shippedDemoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

/**
 * The shipped demo, as `npm start` runs it (its own Redis and ports here): the wall shows the demo
 * shop's throughput, latency, uptime and backlogs live, and a payment outage shows within 5 s.
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
	// As `npm start` does: a kiosk link for the demo board, next to "Vigil is running".
	const line = await vigil.waitForOutput(/Wall for screens: \S+/);
	const printed = line.replace('Wall for screens: ', '');
	expect(printed).toMatch(new RegExp(`^http://localhost:${vigil.port}/wall\\?token=vgk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32}$`));
	kioskUrl = printed.replace('http://localhost:', 'http://127.0.0.1:');
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

test('the printed kiosk link shows the demo wall live, and a payment outage within 5 s', async ({ page }) => {
	await page.goto(kioskUrl);
	await expect(page).toHaveURL(`${vigil.url}/wall`);
	const tile = (title: string, label?: string) =>
		page.getByTestId('tile').filter({ has: page.getByRole('heading', { name: title, exact: true }) }).filter({ hasText: label ?? '' });

	await expect(tile('Orders per minute')).toHaveCount(1);
	await expect(tile('Uptime')).toHaveCount(4, { timeout: 15_000 });
	for (const service of ['storefront', 'search', 'checkout', 'payments']) {
		await expect(tile('Uptime', service).getByTestId('value')).toHaveText('UP');
	}
	await expect(tile('Checkout latency p95').getByTestId('value')).toHaveText(/^\d[\d,.]*(ms|s)$/, { timeout: 15_000 });
	await expect(tile('Queue backlog')).toHaveCount(2);
	await expect(tile('Satisfaction').getByTestId('value')).toHaveText(/%$/);
	await page.screenshot({ path: 'test-results/demo-wall.png' });

	const switched = await fetch(`${shopUrl}/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'payment-outage' }) });
	expect(switched.status).toBe(200);
	const t0 = Date.now();
	await expect(tile('Uptime', 'payments').getByTestId('value')).toHaveText('DOWN', { timeout: 5000 });
	expect(Date.now() - t0).toBeLessThan(5000);
	await expect(tile('System failure ratio').getByTestId('value')).not.toHaveText('0%', { timeout: 5000 });
	await page.screenshot({ path: 'test-results/demo-wall-payment-outage.png' });
});
