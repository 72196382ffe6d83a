import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { createKiosk, vigilCli, type Kiosk } from '../helpers/kiosk';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
let kiosk: Kiosk;

test.beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
	kiosk = createKiosk(vigil, redis.url, 'wall-screen');
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

test('a kiosk link opens the wall, which shows the demo value live, with its age', async ({ page }) => {
	await page.goto(kiosk.url);
	// The link is traded for a cookie: the token leaves the address bar.
	await expect(page).toHaveURL(`${vigil.url}/wall`);
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
	await page.goto(kiosk.url);
	await expect(page.getByTestId('connection')).toHaveText('live');
	await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

	await redis.kill();
	await expect(page.getByTestId('banner-redis')).toBeVisible();
	await expect(page.getByTestId('redis')).toHaveText('down');
	// Values are no longer fresh: after two intervals the tile says stale.
	await expect(demoTile(page).getByTestId('age')).toContainText('stale', { timeout: 5000 });
	await page.screenshot({ path: 'test-results/wall-redis-down.png' });

	await redis.restart();
	await expect(page.getByTestId('banner-redis')).toBeHidden({ timeout: 15_000 });
	await expect(page.getByTestId('redis')).toHaveText('up');
	await expect.poll(() => ageMs(page), { timeout: 10_000 }).toBeLessThan(3000);
	expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
});

test('burn-in: the whole board shifts a few pixels each minute; at the quiet hour the screen reloads itself and keeps its kiosk access', async ({ page }) => {
	// The screen's clock, a few minutes before the configured quiet hour (wall.reloadAt, 04:00).
	await page.clock.install({ time: new Date(2026, 10, 23, 3, 55, 0) });
	// A link of its own (Redis restarted above, without persistence).
	const screen = createKiosk(vigil, redis.url, 'lobby');
	await page.goto(screen.url);
	await expect(page).toHaveURL(`${vigil.url}/wall`);
	await expect(page.getByTestId('connection')).toHaveText('live');
	const wall = page.getByTestId('wall');
	const shifts = new Set<string>();
	for (let minute = 0; minute < 4; minute++) {
		const [x, y] = ((await wall.evaluate((e) => (e as HTMLElement).style.transform)).match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
		expect(Math.abs(x!)).toBeLessThanOrEqual(4);
		expect(Math.abs(y!)).toBeLessThanOrEqual(4);
		shifts.add(`${x},${y}`);
		await page.clock.runFor(60_000);
	}
	expect(shifts.size).toBeGreaterThanOrEqual(3);
	// No reload before the quiet hour, even after minutes on screen.
	await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
	await page.clock.setSystemTime(new Date(2026, 10, 23, 3, 59, 57));
	await expect(page.getByTestId('connection')).toHaveText('live');
	// 04:00 passes; within the next check (5 s) the page reloads itself, with its kiosk cookie.
	await page.waitForEvent('load', { timeout: 15_000 });
	await expect(page).toHaveURL(`${vigil.url}/wall`);
	expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBeUndefined();
	await expect(page.getByTestId('connection')).toHaveText('live');
	await expect(demoTile(page)).toHaveCount(1);
	await expect(page.getByTestId('wall')).toHaveAttribute('data-kiosk', 'yes');
});

test('without a login or a kiosk link, /wall sends the screen to /login, saying why', async ({ page }) => {
	await page.goto(`${vigil.url}/wall`);
	await expect(page).toHaveURL(/\/login\?next=%2Fwall&why=wall$/);
	await expect(page.getByTestId('login-hint')).toContainText('The wall needs a login or a kiosk link');
});

test('a revoked kiosk link: the open screen says so and stops, and the page refuses it', async ({ page }) => {
	const doomed = createKiosk(vigil, redis.url, 'doomed');
	await page.goto(doomed.url);
	await expect(page.getByTestId('connection')).toHaveText('live');
	expect(vigilCli(vigil, redis.url, ['kiosk', 'revoke', doomed.id]).code).toBe(0);
	// The screen's next heartbeat (every 10 s) or the periodic check (30 s) finds it revoked.
	await expect(page.getByTestId('banner-refused')).toContainText("This screen's kiosk link was revoked or expired", { timeout: 35_000 });
	await expect(page.getByTestId('connection')).toHaveText('refused');
	// It no longer shows the board's values.
	await expect(page.getByTestId('tile')).toHaveCount(0);
	await expect(page.getByTestId('empty')).toHaveText('Nothing to show');
	await page.screenshot({ path: 'test-results/wall-kiosk-revoked.png' });
	await page.reload();
	await expect(page).toHaveURL(/\/login\?next=%2Fwall&why=kiosk$/);
	await expect(page.getByTestId('login-hint')).toContainText('kiosk link was revoked or expired');
});

test('the plain board fits a 1080p screen whatever the number of series: its tiles zoom out, nothing scrolls', async ({ page }) => {
	const prefix = /prefix: "([^"]+)"/.exec(readFileSync(vigil.configFile, 'utf8'))![1]!;
	const client = new Redis(redis.url);
	const store = new RedisStore(client, { prefix });
	const now = Date.now();
	await store.write(Array.from({ length: 40 }, (_, i) => ({ name: 'worker_load', labels: { pod: `pod-${String(i).padStart(2, '0')}` }, ts: [now], values: [i / 10] })));
	await store.close();
	client.disconnect();

	await page.setViewportSize({ width: 1920, height: 1080 });
	await page.goto(createKiosk(vigil, redis.url, 'plain-screen').url);
	await expect(page.getByTestId('tile').filter({ hasText: 'pod-39' })).toHaveCount(1);
	const tiles = page.getByTestId('plain-tiles');
	await expect.poll(async () => Number(await tiles.getAttribute('data-fit'))).toBeLessThan(1);
	const { scroll, inner, lastBottom } = await page.evaluate(() => ({
		scroll: document.scrollingElement!.scrollHeight,
		inner: innerHeight,
		lastBottom: Math.max(...[...document.querySelectorAll('[data-testid="tile"]')].map((t) => t.getBoundingClientRect().bottom))
	}));
	expect(scroll).toBeLessThanOrEqual(inner);
	expect(lastBottom).toBeLessThanOrEqual(inner);
	await page.screenshot({ path: 'test-results/wall-plain-many.png' });

	// A wide screen needs less zoom than a narrow one.
	const wide = Number(await tiles.getAttribute('data-fit'));
	await page.setViewportSize({ width: 1280, height: 1080 });
	await expect.poll(async () => Number(await tiles.getAttribute('data-fit'))).toBeLessThan(wide);
});
