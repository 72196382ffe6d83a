/**
 * The complaint analysis for a manager, at 1920×1080 and on a phone (390×844), against complaint
 * states and incidents written through the stores before Vigil starts
 * (tests/helpers/complaint-history.ts): payment complaints come in a wave on the day of a payments
 * incident; the page flags payment and app-crash as grown, links the wave to that incident, counts
 * per day and category, and its CSV link downloads the table shown. Values from data are text.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { expect, test, type Page } from '@playwright/test';
import { hydrated, logIn } from '../helpers/browser-session';
import { writeComplaintHistory, type ComplaintHistory } from '../helpers/complaint-history';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { addVigilUser, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { parseCsv } from '../helpers/csv';

let redis: TestRedis;
let vigil: VigilProcess;
let history: ComplaintHistory;
const PASSWORD = 'complaints page password';
const prefix = `cp${Math.random().toString(36).slice(2, 8)}:`;

test.beforeAll(async () => {
	test.setTimeout(180_000);
	redis = await startTestRedis();
	const client = new Redis(redis.url);
	try {
		history = await writeComplaintHistory(client, prefix, Date.now());
	} finally {
		client.disconnect();
	}
	vigil = await startVigilProcess({ config: `redis:\n  prefix: "${prefix}"\nroles: [web]\nreports:\n  timeZone: UTC\n`, redisUrl: redis.url });
	addVigilUser(vigil, redis.url, 'meg', 'manager', PASSWORD);
	addVigilUser(vigil, redis.url, 'val', 'viewer', PASSWORD);
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

async function checkPage(page: Page, shot: string): Promise<void> {
	await logIn(page, vigil.url, 'meg', PASSWORD, '/complaints');
	await expect(page.getByRole('heading', { name: 'Complaint analysis', level: 1 })).toBeVisible();
	await expect(page.locator('#cp-range')).toHaveValue('last-7d');
	await expect(page.getByTestId('growth-rule')).toContainText('at least 5 complaints more');

	const grown = page.getByTestId('grown-category');
	await expect(grown.getByTestId('grown-name')).toHaveText(['⚑ payment', '⚑ app-crash']);
	const wave = page.locator('[data-testid="grown-category"][data-category="payment"]');
	await expect(wave.getByTestId('grown-change')).toHaveText('+10 (+250 %)');
	await expect(wave.getByTestId('grown-busiest')).toHaveText(new Date(history.waveDay).toISOString().slice(0, 10));
	const payments = history.incidents[3]!;
	const link = wave.getByTestId('grown-incident').filter({ hasText: payments.ref });
	await expect(link).toHaveAttribute('href', `/incidents/${payments.ref}`);
	await expect(wave).toContainText(`payments: ${payments.title}`);

	const row = page.locator('[data-testid="category-row"][data-category="payment"]');
	await expect(row.getByTestId('count')).toHaveText(['1', '0', '0', '12', '1', '0', '0']);
	await expect(row.getByTestId('total')).toHaveText('14');
	await expect(page.locator('[data-testid="category-row"][data-category="login"]')).toHaveAttribute('data-grown', 'no');
	await expect(page.getByTestId('incident-row')).toHaveCount(3);
	await expect(page.locator(`[data-testid="incident-row"][data-incident="${payments.ref}"]`).getByTestId('incident-service')).toHaveText('payments');

	const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv').click()]);
	expect(download.suggestedFilename()).toMatch(/^complaints-last-7d-\d{4}-\d{2}-\d{2}\.csv$/);
	const rows = parseCsv(readFileSync((await download.path())!, 'utf8'));
	expect(rows[0]!.slice(-5)).toEqual(['total', 'previous', 'change', 'change_ratio', 'grown']);
	const payment = rows.find((r) => r[0] === 'payment')!;
	expect(payment.slice(1, 8)).toEqual(['1', '0', '0', '12', '1', '0', '0']);
	expect(payment.slice(-1)).toEqual(['yes']);
	await page.screenshot({ path: `/tmp/complaints-${shot}.png`, fullPage: true });

	// The payments incident's page opens from the wave's link.
	await hydrated(page);
	await link.click();
	await expect(page).toHaveURL(new RegExp(`/incidents/${payments.ref}$`));

	await page.goto(`${vigil.url}/complaints?range=this-quarter`);
	await expect(page.locator('#cp-range')).toHaveValue('this-quarter');
	await expect(page.getByTestId('range-note')).toContainText(/per (day|week)/);
	await page.screenshot({ path: `/tmp/complaints-quarter-${shot}.png`, fullPage: true });
}

test('a manager sees the payment complaints wave at 1920×1080, its incident, and downloads the CSV', async ({ page }) => {
	await page.setViewportSize({ width: 1920, height: 1080 });
	await checkPage(page, 'desktop');
});

test('the same on a phone (390×844)', async ({ page }) => {
	await page.setViewportSize({ width: 390, height: 844 });
	await checkPage(page, 'phone');
	// The wide table scrolls inside its box; the page itself does not scroll sideways.
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('a viewer may not open it and is not linked to it', async ({ page }) => {
	await logIn(page, vigil.url, 'val', PASSWORD, '/incidents');
	await expect(page.locator('a[href="/complaints"]')).toHaveCount(0);
	const res = await page.goto(`${vigil.url}/complaints`);
	expect(res?.status()).toBe(403);
});
