import { expect, test, type Page } from '@playwright/test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;

test.beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

/** The tile of the demo series (the wall also shows the target's up, duration and so on). */
function demoTile(page: Page) {
	return page.getByTestId('tile').filter({ has: page.getByRole('heading', { name: 'Demo orders per minute' }) });
}

async function valueOf(page: Page): Promise<string> {
	return (await demoTile(page).getByTestId('value').textContent()) ?? '';
}

async function ageMs(page: Page): Promise<number> {
	return Number(await demoTile(page).getByTestId('age').getAttribute('data-age-ms'));
}

test('the wall shows the demo value live, with its age', async ({ page }) => {
	await page.goto(`${vigil.url}/wall`);
	await expect(demoTile(page)).toHaveCount(1);
	await expect(page.getByTestId('connection')).toHaveText('live');

	// The demo value changes at least twice in 5 s. The demo shop repeats a value now and then, so
	// count changes of the sample time the tile shows, and check the value is a number.
	const seen = new Set<string>();
	const values = new Set<string>();
	const deadline = Date.now() + 5000;
	while (Date.now() < deadline) {
		seen.add((await demoTile(page).getAttribute('data-ts')) ?? '');
		values.add(await valueOf(page));
		expect(await ageMs(page)).toBeLessThan(3000);
		await page.waitForTimeout(100);
	}
	expect(seen.size).toBeGreaterThanOrEqual(3);
	expect(values.size).toBeGreaterThanOrEqual(2);
	for (const v of values) expect(v).toMatch(/^\d[\d,]*$/);
	await expect(demoTile(page).getByTestId('age')).toHaveText(/^updated \d+\.\d s ago$/);
	await page.screenshot({ path: 'test-results/wall-live.png' });
});

test('a Redis restart shows a warning, then live values return without a reload', async ({ page }) => {
	await page.goto(`${vigil.url}/wall`);
	await expect(page.getByTestId('connection')).toHaveText('live');
	await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

	await redis.kill();
	await expect(page.getByTestId('banner-redis')).toBeVisible();
	await expect(page.getByTestId('redis')).toHaveText('down');
	// Values are no longer fresh: after three intervals the tile says stale.
	await expect(demoTile(page).getByTestId('age')).toContainText('stale', { timeout: 5000 });
	await page.screenshot({ path: 'test-results/wall-redis-down.png' });

	await redis.restart();
	await expect(page.getByTestId('banner-redis')).toBeHidden({ timeout: 15_000 });
	await expect(page.getByTestId('redis')).toHaveText('up');
	await expect.poll(() => ageMs(page), { timeout: 10_000 }).toBeLessThan(3000);
	expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
});
