/**
 * The public status page in a browser without any session, at 1920x1080 and on a phone (390x844):
 * the public services with their state, 90 daily bars and uptime, an incident's public updates and
 * announced maintenance; no navigation or internal link; hostile text in public titles shown as
 * text. An engineer posts a public update from the incident page's form (labelled as visible to
 * customers) and announces a window from the /maintenance form, and both appear on /status.
 */
import { expect, test, type Page } from '@playwright/test';
import { IncidentStore, PublicUpdateStore } from '../../src/lib/server/alerting/incidents';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { artifact } from '../helpers/artifacts';
import { hydrated } from '../helpers/browser-session';
import { login, startRig, XSS, type Rig } from '../helpers/operator-pages';

const MIN = 60_000;
const DAY = 86_400_000;
let rig: Rig;
let incidentId = '';

const STATUS = `status:
  enabled: true
  title: Demo shop status
  services:
    - { name: Checkout, selector: 'up{service="checkout"}' }
    - { name: Payments, selector: 'up{service="payments"}' }
    - { name: Search, selector: 'up{service="search"}' }
  cacheSeconds: 1
  requestsPerMinute: 600
`;

test.beforeAll(async () => {
	test.setTimeout(120_000);
	rig = await startRig('st', STATUS);
	const now = Date.now();
	let clock = now;
	const store = new RedisStore(rig.client, { prefix: rig.keys.prefix, now: () => clock, liveKey: null });
	// Checkout watched for 12 days (within the raw retention) with a 4-hour outage 5 days ago; payments for 3 days, down now.
	const series = (service: string, days: number, down: (t: number) => boolean) => {
		const ts: number[] = [];
		const values: number[] = [];
		for (let t = now - days * DAY; t <= now; t += MIN) {
			ts.push(t);
			values.push(down(t) ? 0 : 1);
		}
		return { name: 'up', labels: { service, instance: '127.0.0.1:3100' }, ts, values, intervalMs: MIN };
	};
	const outage = Math.floor((now - 5 * DAY) / DAY) * DAY + 8 * 3_600_000; // 09:00 to 13:00 in Berlin: one day
	await store.write([series('checkout', 12, (t) => t >= outage && t < outage + 4 * 3_600_000), series('payments', 3, (t) => t >= now - 15 * MIN)]);
	// Sealed as the store's sealer would have by now (the page is read while nothing is half-moved).
	clock = Date.now();
	while ((await store.sealDue(5000)) > 0) {
		// seal what is due
	}
	const incidents = new IncidentStore(rig.client, rig.keys);
	const e: AlertEvent = { ruleId: 'shop/PaymentsDown', fingerprint: 'p1', labels: { alertname: 'PaymentsDown', service: 'payments' }, from: 'pending', to: 'firing', at: now - 14 * MIN, value: 1 };
	await rig.client.xadd(rig.keys.alerts.events, '*', 'e', JSON.stringify(e));
	await incidents.applyEvents();
	incidentId = (await incidents.list({ limit: 1 })).incidents[0]!.id;
	await incidents.addNote(incidentId, 'internal: failover of db-7 pending', { actor: 'user:eve' });
	await new PublicUpdateStore(rig.client, rig.keys).add(incidentId, { status: 'investigating', title: `Payments failing ${XSS}`, text: `Card payments fail. We are on it.\n${XSS}` }, { actor: 'user:eve' });
});

test.afterAll(async () => {
	await rig?.stop();
});

async function publicView(page: Page): Promise<void> {
	await expect(page.getByTestId('status-title')).toHaveText('Demo shop status');
	await expect(page.getByTestId('site-nav')).toHaveCount(0);
	await expect(page.locator('a[href^="/"]')).toHaveCount(0);
	const services = page.getByTestId('status-service');
	await expect(services).toHaveCount(3);
	await expect(services.nth(0)).toContainText('Checkout');
	await expect(services.nth(0)).toHaveAttribute('data-state', 'operational');
	await expect(services.nth(1)).toHaveAttribute('data-state', 'down');
	await expect(services.nth(2)).toHaveAttribute('data-state', 'nodata');
	for (let i = 0; i < 3; i++) await expect(services.nth(i).locator('.bar')).toHaveCount(90);
	// Checkout: the outage day is down, days before the first sample no data.
	await expect(services.nth(0).locator('.bar[data-level="down"]')).toHaveCount(1);
	await expect(services.nth(0).locator('.bar[data-level="nodata"]')).toHaveCount(77);
	await expect(services.nth(2).locator('.bar[data-level="nodata"]')).toHaveCount(90);
	await expect(page.getByTestId('status-overall')).toHaveText('Partial outage: some systems are down');
	const incident = page.getByTestId('status-incident').first();
	await expect(incident.locator('h2')).toHaveText(`Payments failing ${XSS}`);
	await expect(incident).toContainText('Card payments fail. We are on it.');
	await expect(incident).toContainText(XSS);
	// Hostile text stayed text: no element made from it, nothing ran.
	expect(await page.locator('img').count()).toBe(0);
	expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
	const text = (await page.content()).toLowerCase();
	for (const secret of ['127.0.0.1', '3100', 'db-7', 'user:eve', 'paymentsdown', 'service="', 'inc-']) expect(text, secret).not.toContain(secret);
}

test('without a session at 1920x1080', async ({ browser }) => {
	const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
	const page = await context.newPage();
	const res = await page.goto(`${rig.vigil.url}/status`);
	expect(res?.status()).toBe(200);
	expect(res?.headers()['cache-control']).toBe('public, max-age=1');
	await publicView(page);
	expect((await context.cookies()).length).toBe(0);
	await page.screenshot({ path: artifact('status-1920.png'), fullPage: true });
	await context.close();
});

test('without a session on a phone (390x844)', async ({ browser }) => {
	const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
	const page = await context.newPage();
	await page.goto(`${rig.vigil.url}/status`);
	await publicView(page);
	// Nothing wider than the screen; the bars fit in it.
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	const bars = await page.getByTestId('status-service').first().locator('.bars').boundingBox();
	expect(bars!.x).toBeGreaterThanOrEqual(0);
	expect(bars!.x + bars!.width).toBeLessThanOrEqual(390);
	const bar = await page.getByTestId('status-service').first().locator('.bar').first().boundingBox();
	expect(bar!.width).toBeGreaterThan(1.5);
	await page.screenshot({ path: artifact('status-390.png'), fullPage: true });
	await context.close();
});

test('an engineer posts a public update and announces maintenance; customers see both', async ({ page, browser }) => {
	test.setTimeout(120_000);
	await login(page, rig, 'eve', `/incidents/INC-${incidentId}`);
	const section = page.getByTestId('public-updates');
	await expect(section.getByRole('heading', { name: /Public updates\s+visible to customers/ })).toBeVisible();
	await expect(section.getByTestId('public-update')).toHaveCount(1);
	const form = page.getByTestId('public-update-form');
	await form.getByLabel('Status').selectOption('identified');
	await form.getByLabel('Text customers will read').fill('The payment provider has an outage; we switched to the backup.');
	await form.getByRole('button', { name: 'Post public update (visible to customers)' }).click();
	await expect(page.getByTestId('action-message')).toContainText('Public update posted');
	await expect(section.getByTestId('public-update')).toHaveCount(2);
	await page.screenshot({ path: artifact('status-incident-form.png'), fullPage: true });

	await page.goto(`${rig.vigil.url}/maintenance`);
	await hydrated(page);
	const w = page.getByTestId('window-form');
	await w.getByLabel('Name').fill('internal db-7 move');
	await w.getByLabel('Matchers').fill('{service="payments"}');
	const at = (ms: number) => {
		const p = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
		const v = (t: string) => p.find((x) => x.type === t)!.value;
		return `${v('year')}-${v('month')}-${v('day')}T${v('hour')}:${v('minute')}`;
	};
	await w.getByLabel(/^Starts/).fill(at(Date.now() + DAY));
	await w.getByLabel('Ends').fill(at(Date.now() + DAY + 2 * 3_600_000));
	await w.getByLabel('Public description (shown to customers)').fill('Payments may pause briefly.');
	await w.getByRole('button', { name: 'Make window' }).click();
	await expect(page.getByTestId('form-error')).toContainText('public.title: required');
	await w.getByLabel('Public title (shown to customers)').fill(`Payment system upgrade ${XSS}`);
	await w.getByRole('button', { name: 'Make window' }).click();
	await expect(page.getByTestId('action-message')).toContainText('(scheduled)');
	await expect(page.getByTestId('window-public-title')).toContainText('Payment system upgrade');

	const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
	const pub = await context.newPage();
	await expect(async () => {
		await pub.goto(`${rig.vigil.url}/status`);
		await expect(pub.getByTestId('status-incident').first()).toContainText('The payment provider has an outage', { timeout: 1000 });
		await expect(pub.getByTestId('status-maintenance')).toContainText(`Payment system upgrade ${XSS}`, { timeout: 1000 });
	}).toPass({ timeout: 15_000 });
	await expect(pub.getByTestId('status-maintenance')).toContainText('Payments may pause briefly.');
	expect((await pub.content()).toLowerCase()).not.toContain('db-7');
	expect(await pub.locator('img').count()).toBe(0);
	await pub.screenshot({ path: artifact('status-after-updates.png'), fullPage: true });
	await context.close();
});
