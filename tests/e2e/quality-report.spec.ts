/**
 * The quarterly service-quality report for a manager, at 1920×1080 and on a phone (390×844),
 * against `up` history and incidents (tests/helpers/report-history.ts) and tickets written through
 * the stores before Vigil starts: the last ended quarter's targets with figures and met or missed,
 * uptime per service with its published name, complaints per category against the quarter before,
 * teams, the merchant below standard, the policy, the CSV; publishing it after a confirmation; and
 * who may publish or withdraw, over HTTP with a session and its CSRF token.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { expect, test, type Page } from '@playwright/test';
import { createKeys } from '../../src/lib/server/keys';
import { TicketStore } from '../../src/lib/server/tickets/store';
import type { Ticket } from '../../src/lib/server/tickets/model';
import { hydrated, logIn } from '../helpers/browser-session';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { artifact } from '../helpers/artifacts';
import { utcQuarter, writeHistory } from '../helpers/report-history';
import { addVigilUser, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { parseCsv } from '../helpers/csv';

let redis: TestRedis;
let vigil: VigilProcess;
const PASSWORD = 'quality report password';
const prefix = `qr${Math.random().toString(36).slice(2, 8)}:`;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const now = Date.now();
const last = utcQuarter(now, -1);
const before = utcQuarter(now, -2);
const current = utcQuarter(now, 0);

/**
 * 60 tickets in the last quarter: 48 answered within a minute, 12 after 10 minutes (80 %);
 * acme-electronics' customers rate 5, fresh-grocer's 2 or 5 (satisfaction 75 %, fresh-grocer 50 %);
 * 20 complaints, 10 delivery and 10 payment; the quarter before, 10 delivery complaints.
 */
function tickets(): Ticket[] {
	const out: Ticket[] = [];
	for (let i = 0; i < 60; i++) {
		const created = last.from + (i + 1) * DAY + 3 * HOUR;
		const kind = i % 3 === 0 ? 'complaint' : 'ticket';
		const merchant = i < 30 ? 'acme-electronics' : 'fresh-grocer';
		const closed = created + 2 * HOUR;
		out.push({ id: `Q-${i}`, kind, created, firstResponse: created + (i % 5 === 0 ? 10 : 1) * MIN, resolved: closed, closed, category: kind === 'complaint' ? (i % 2 ? 'payment' : 'delivery') : 'question', merchant, team: i % 2 ? 'orders-desk' : 'payments-desk', rating: merchant === 'fresh-grocer' && i % 2 ? 2 : 5, updated: closed + MIN });
	}
	for (let i = 0; i < 10; i++) {
		const created = before.from + (i + 1) * DAY;
		out.push({ id: `P-${i}`, kind: 'complaint', created, firstResponse: created + MIN, resolved: created + HOUR, closed: created + HOUR, category: 'delivery', merchant: 'acme-electronics', team: 'orders-desk', rating: null, updated: created + HOUR });
	}
	return out;
}

test.beforeAll(async () => {
	test.setTimeout(240_000);
	redis = await startTestRedis();
	await writeHistory(redis.url, prefix, now, 'SecretAlert');
	const client = new Redis(redis.url);
	try {
		await new TicketStore(client, createKeys(prefix), { retentionMs: 400 * DAY }).upsert(tickets(), now);
	} finally {
		client.disconnect();
	}
	const config = [`redis:\n  prefix: "${prefix}"`, 'roles: [web]', 'tickets:\n  retention: 400d', 'reports:\n  timeZone: UTC', 'quality:\n  title: Quarterly service-quality report\n  services: { checkout: Checkout, search: Site search }\n  policy:\n    - "Satisfaction is the share of rated tickets rated 4 or 5 of 5."\n    - "Planned maintenance is left out of uptime."'].join('\n') + '\n';
	vigil = await startVigilProcess({ config, redisUrl: redis.url });
	addVigilUser(vigil, redis.url, 'meg', 'manager', PASSWORD);
	addVigilUser(vigil, redis.url, 'val', 'viewer', PASSWORD);
	addVigilUser(vigil, redis.url, 'ada', 'admin', PASSWORD);
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

async function checkReport(page: Page): Promise<void> {
	await expect(page.getByRole('heading', { name: `Quarterly service-quality report, ${last.label}`, level: 1 })).toBeVisible();
	await expect(page.locator('#q-quarter')).toHaveValue(last.label);
	const target = (id: string) => page.locator(`[data-testid="target-row"][data-target="${id}"]`);
	await expect(page.getByTestId('target-row')).toHaveCount(5);
	await expect(target('answered5m').getByTestId('figure')).toHaveText('80.0 %');
	await expect(target('answered5m').getByTestId('met')).toHaveText('✗ missed');
	await expect(target('satisfaction').getByTestId('figure')).toHaveText('75.0 %');
	await expect(target('complaintsAnswered24h').getByTestId('figure')).toHaveText('100.0 %');
	await expect(target('complaintsAnswered24h').getByTestId('met')).toHaveText('✓ met');
	await expect(target('failureRate').getByTestId('met')).toHaveText('no data');
	const checkout = page.locator('[data-testid="service-row"][data-service="checkout"]');
	await expect(checkout).toContainText('Checkout');
	await expect(page.locator('[data-testid="service-row"][data-service="payments"]')).toContainText('(not published)');
	await expect(page.locator('[data-testid="service-row"][data-service="payments"]').getByTestId('availability')).toHaveText('100.000 %');
	const payment = page.locator('[data-testid="category-row"][data-category="payment"]');
	await expect(payment.getByTestId('count')).toHaveText('10');
	await expect(payment).toContainText('+10 (new)');
	await expect(page.locator('[data-testid="category-row"][data-category="delivery"]')).toContainText('+0 (+0 %)');
	await expect(page.getByTestId('team-row')).toHaveCount(2);
	await expect(page.locator('[data-testid="team-row"][data-team="orders-desk"]').getByTestId('answered5m')).toHaveText('80.0 %');
	await expect(page.getByTestId('merchant-summary')).toHaveText(`1 of 2 merchants below standard in ${last.label}: satisfaction 1.`);
	await expect(page.locator('[data-testid="merchant-list"] li')).toHaveText(['fresh-grocer: satisfaction']);
	await expect(page.getByTestId('policy')).toContainText('Planned maintenance is left out of uptime.');
	expect(Number(await page.getByTestId('incident-count').textContent())).toBeGreaterThan(10);
}

test('a manager reads the last ended quarter at 1920×1080, downloads the CSV and publishes it after confirming', async ({ page }) => {
	await page.setViewportSize({ width: 1920, height: 1080 });
	await logIn(page, vigil.url, 'meg', PASSWORD, '/reports/quality');
	await checkReport(page);
	await expect(page.getByTestId('published-state')).toHaveText('Not published.');
	await page.screenshot({ path: '/tmp/quality-report-desktop.png', fullPage: true });

	const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv').click()]);
	expect(download.suggestedFilename()).toBe(`quality-report-${last.label}.csv`);
	const rows = parseCsv(readFileSync((await download.path())!, 'utf8'));
	expect(rows[0]).toEqual(['section', 'item', 'measure', 'value', 'level', 'met']);
	const answered = rows.find((r) => r[0] === 'target' && r[2] === 'answered5m (>=)')!;
	expect([Number(answered[3]), Number(answered[4]), answered[5]]).toEqual([0.8, 0.95, 'no']);
	expect(rows.find((r) => r[0] === 'merchant')).toEqual(['merchant', 'fresh-grocer', 'below_standard', 'satisfaction', '', 'no']);

	await hydrated(page);
	await page.getByTestId('publish-button').click();
	await expect(page.getByRole('group', { name: 'Confirm publishing' })).toContainText('No merchant, team or user names are published');
	await page.screenshot({ path: '/tmp/quality-report-confirm.png' });
	await page.getByTestId('publish-confirm').click();
	await expect(page.getByTestId('publish-outcome')).toHaveText(`${last.label} published (version 1).`);
	await expect(page.getByTestId('published-state')).toContainText('version 1');
	await expect(page.getByTestId('published-state')).toContainText('by meg');
	// A manager may not withdraw.
	await expect(page.getByTestId('withdraw-button')).toHaveCount(0);
	const api = await page.request.get(`${vigil.url}/api/v1/quality-reports`);
	const body = (await api.json()) as { published: Array<{ report: { quarter: string; version: number; services: Array<{ name: string }> }; publishedBy: string }> };
	expect(body.published.map((p) => [p.report.quarter, p.report.version, p.publishedBy, p.report.services.map((s) => s.name)])).toEqual([[last.label, 1, 'meg', ['Checkout', 'Site search']]]);
	await page.screenshot({ path: '/tmp/quality-report-published.png', fullPage: true });

	// The quarter in progress cannot be published: the page says from when.
	await page.goto(`${vigil.url}/reports/quality?quarter=${current.label}`);
	await expect(page.getByTestId('publish-wait')).toContainText(`${current.label} has not ended`);
	await expect(page.getByTestId('publish-button')).toHaveCount(0);
});

test('the same report on a phone (390×844), without sideways scrolling', async ({ page }) => {
	await page.setViewportSize({ width: 390, height: 844 });
	await logIn(page, vigil.url, 'meg', PASSWORD, `/reports/quality?quarter=${last.label}`);
	await checkReport(page);
	await page.screenshot({ path: '/tmp/quality-report-phone.png', fullPage: true });
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('a quarter in which nothing was recorded says so and offers the quarter in progress; one with data does not', async ({ page }) => {
	await page.setViewportSize({ width: 1920, height: 1080 });
	const empty = utcQuarter(now, -4);
	await logIn(page, vigil.url, 'meg', PASSWORD, `/reports/quality?quarter=${empty.label}`);
	await expect(page.getByTestId('nothing-recorded')).toContainText(`Nothing was recorded in ${empty.label}`);
	await page.screenshot({ path: artifact('quality-report-nothing-recorded.png') });
	await page.getByTestId('current-quarter').click();
	await expect(page.getByRole('heading', { level: 1 })).toContainText(current.label);
	await expect(page.getByTestId('quarter-note')).toContainText('in progress');
	await expect(page.getByTestId('nothing-recorded')).toHaveCount(0);
	await page.goto(`${vigil.url}/reports/quality?quarter=${last.label}`);
	await expect(page.getByTestId('quarter-note')).toContainText('tickets created');
	await expect(page.getByTestId('nothing-recorded')).toHaveCount(0);
});

async function csrf(page: Page): Promise<string> {
	await page.goto(`${vigil.url}/logout`);
	return (await page.locator('input[name="csrf"]').first().getAttribute('value'))!;
}

test('who may publish and withdraw: a viewer is refused, a manager may publish an ended quarter only, an admin withdraws', async ({ page, browser }) => {
	const post = (p: Page, path: string, token: string) => p.request.post(`${vigil.url}${path}`, { headers: { 'x-csrf-token': token, origin: vigil.url } });

	await logIn(page, vigil.url, 'val', PASSWORD, '/incidents');
	expect((await page.goto(`${vigil.url}/reports/quality`))?.status()).toBe(403);
	const viewer = await post(page, `/api/v1/quality-reports/${last.label}/publish`, await csrf(page));
	expect(viewer.status()).toBe(403);
	expect(((await viewer.json()) as { error: string }).error).toContain('reports:publish');

	const meg = await browser.newPage();
	await logIn(meg, vigil.url, 'meg', PASSWORD, '/reports/quality');
	const token = await csrf(meg);
	expect((await meg.request.post(`${vigil.url}/api/v1/quality-reports/${last.label}/publish`, { headers: { origin: vigil.url } })).status()).toBe(403); // no CSRF token
	const early = await post(meg, `/api/v1/quality-reports/${current.label}/publish`, token);
	expect(early.status()).toBe(409);
	expect(((await early.json()) as { error: string }).error).toMatch(new RegExp(`^quarter ${current.label} has not ended: it ends \\d{4}-\\d{2}-01 00:00 UTC`));
	const ok = await post(meg, `/api/v1/quality-reports/${last.label}/publish`, token);
	expect(ok.status()).toBe(200);
	const version = ((await ok.json()) as { published: { version: number } }).published.version;
	expect(version).toBeGreaterThanOrEqual(1);
	expect((await post(meg, `/api/v1/quality-reports/${last.label}/withdraw`, token)).status()).toBe(403);
	expect((await meg.request.get(`${vigil.url}/api/v1/quality-reports/${last.label}/publish`)).status()).toBe(405);
	const badQuarter = await meg.request.get(`${vigil.url}/api/v1/quality-reports/2026-Q9`);
	expect(badQuarter.status()).toBe(400);
	expect(((await badQuarter.json()) as { error: string }).error).toBe('quarter: expected a quarter like 2026-Q4 (year, then Q1 to Q4), got "2026-Q9"');
	expect((await meg.request.get(`${vigil.url}/api/v1/quality-reports/${last.label}?format=xml`)).status()).toBe(400);
	expect((await meg.goto(`${vigil.url}/reports/quality?quarter=Q3-2026`))?.status()).toBe(400);

	const ada = await browser.newPage();
	await logIn(ada, vigil.url, 'ada', PASSWORD, '/reports/quality');
	const withdrawn = await post(ada, `/api/v1/quality-reports/${last.label}/withdraw`, await csrf(ada));
	expect(withdrawn.status()).toBe(200);
	const list = (await (await ada.request.get(`${vigil.url}/api/v1/quality-reports`)).json()) as { published: unknown[] };
	expect(list.published).toEqual([]);
	const audit = (await (await ada.request.get(`${vigil.url}/api/v1/audit?limit=20`)).json()) as { entries: Array<{ actor: string; action: string; target: string }> };
	expect(audit.entries.filter((e) => e.action.startsWith('quality-report.')).map((e) => [e.actor, e.action, e.target])).toEqual([
		['user:ada', 'quality-report.withdraw', last.label],
		['user:meg', 'quality-report.publish', last.label],
		['user:meg', 'quality-report.publish', last.label]
	]);
});
