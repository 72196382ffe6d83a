/**
 * Incidents and reports for managers, against months of history written through the stores: a
 * manager filters incidents to one service for last quarter, opens one and sees its timeline,
 * exports the filter as CSV (rows checked against the API), opens the quarterly report (uptime
 * checked against a figure computed here from the written samples) and prints it to PDF; hostile
 * text in an alert name and a note runs no script on /incidents and /incidents/<id>.
 */
import { expect, test, type Page } from '@playwright/test';
import { hydrated, logIn } from '../helpers/browser-session';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { INTERVAL, utcQuarter, writeHistory, type History } from '../helpers/report-history';
import { addVigilUser, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { parseCsv } from '../helpers/csv';

let redis: TestRedis;
let vigil: VigilProcess;
let history: History;
const PASSWORD = 'reports page password';
const XSS = '<img src=x onerror="window.__xss=1;alert(1)">';
const prefix = `rep${Math.random().toString(36).slice(2, 8)}:`;
const now = Date.now();
const lastQuarter = utcQuarter(now, -1);
/** A next stage's day 30 days into last quarter (before the checkout outage of its day 40). */
const STAGE_DAY = new Date(lastQuarter.from + 30 * 86_400_000).toISOString().slice(0, 10);

const addUser = (name: string, role: string) => addVigilUser(vigil, redis.url, name, role, PASSWORD);

async function login(page: Page, name: string, next: string): Promise<void> {
	await logIn(page, vigil.url, name, PASSWORD, next);
	await expect(page).not.toHaveURL(/\/login/);
}

test.beforeAll(async () => {
	test.setTimeout(180_000);
	redis = await startTestRedis();
	history = await writeHistory(redis.url, prefix, now, XSS);
	vigil = await startVigilProcess({
		config: [
			`redis:\n  prefix: "${prefix}"\nroles: [web]\nreports:\n  timeZone: UTC\n  slos:\n    - { name: all up, expr: min(up), op: ">=", threshold: 1, objective: 0.99, unit: number }`,
			// Staged: 60 % of the services up per hour now, 90 % from a day in last quarter (reached), and 99.9 % far ahead.
			`    - { name: mean up, expr: avg(up), op: ">=", threshold: 0.6, objective: 0.99, unit: ratio, next: { threshold: 0.9, from: "${STAGE_DAY}" } }`,
			`    - { name: mean up ahead, expr: avg(up), op: ">=", threshold: 0.6, objective: 0.999, unit: ratio, next: { threshold: 0.999, from: "2099-01-01" } }\n`
		].join('\n'),
		redisUrl: redis.url
	});
	addUser('meg', 'manager');
	addUser('eve', 'engineer');
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

test('a manager filters incidents to one service for last quarter, opens one and sees its timeline', async ({ page }) => {
	await login(page, 'meg', '/incidents');
	await page.getByLabel('Opened').selectOption('last-quarter');
	await page.getByLabel('Service').selectOption('checkout');
	await page.getByRole('button', { name: 'Filter' }).click();
	await expect(page).toHaveURL(/range=last-quarter/);
	await expect(page).toHaveURL(/service=checkout/);
	const rows = page.getByTestId('incident-row');
	await expect(rows.first()).toBeVisible();
	const services = await page.getByTestId('incident-service').allTextContents();
	expect(new Set(services)).toEqual(new Set(['checkout']));
	const api = await page.request.get(`${vigil.url}/api/v1/incidents?service=checkout&from=${new Date(lastQuarter.from).toISOString()}&to=${new Date(lastQuarter.to).toISOString()}&limit=500`);
	const body = (await api.json()) as { incidents: Array<{ ref: string }> };
	expect(await rows.count()).toBe(body.incidents.length);
	await page.screenshot({ path: '/tmp/incidents.png', fullPage: true });

	// The URL is the filter: a shared link shows the same rows.
	const shared = page.url();
	await page.goto(shared);
	expect(await page.getByTestId('incident-row').count()).toBe(body.incidents.length);

	await rows.first().getByRole('link').click();
	await expect(page.getByTestId('incident-title')).toContainText(body.incidents[0]!.ref);
	const entries = page.getByTestId('timeline-entry');
	await expect(entries.first()).toHaveAttribute('data-type', 'opened');
	await expect(page.locator('[data-testid=timeline-entry][data-type=resolved]')).toHaveCount(1);
	await expect(page.getByTestId('ttr')).not.toHaveText('–');
	// A manager may add a note, but is offered no acknowledge or resolve.
	await expect(page.getByRole('button', { name: 'Resolve' })).toHaveCount(0);
	await page.getByLabel('Add a note').fill('Reviewed in the quarterly meeting');
	await page.getByRole('button', { name: 'Add note' }).click();
	await expect(page.locator('[data-testid=timeline-entry][data-type=note]').last()).toContainText('Reviewed in the quarterly meeting');
	await page.screenshot({ path: '/tmp/incident.png', fullPage: true });
});

test('the CSV export of a filter has the API rows', async ({ page }) => {
	await login(page, 'meg', '/incidents?range=last-quarter&service=search');
	const href = await page.getByTestId('export-csv').getAttribute('href');
	expect(href).toContain('/api/v1/incidents/export?');
	const csv = await (await page.request.get(`${vigil.url}${href}`)).text();
	const rows = parseCsv(csv);
	expect(rows[0]).toEqual(['id', 'opened', 'title', 'service', 'severity', 'status', 'owner', 'acknowledged', 'acknowledged_by', 'resolved', 'tta_seconds', 'ttr_seconds', 'alerts']);
	const params = new URL(href!, vigil.url).searchParams;
	params.set('limit', '500');
	const api = (await (await page.request.get(`${vigil.url}/api/v1/incidents?${params}`)).json()) as { incidents: Array<{ ref: string; title: string; openedAt: number; status: string; resolvedAt?: number; acknowledgedAt?: number }> };
	expect(rows.length - 1).toBe(api.incidents.length);
	expect(api.incidents.length).toBeGreaterThan(3);
	api.incidents.forEach((i, k) => {
		const r = rows[k + 1]!;
		expect(r[0]).toBe(i.ref);
		expect(r[1]).toBe(new Date(i.openedAt).toISOString());
		expect(r[2]).toBe(i.title);
		expect(r[3]).toBe('search');
		expect(r[5]).toBe(i.status);
		expect(r[10]).toBe(i.acknowledgedAt === undefined ? '' : String((i.acknowledgedAt - i.openedAt) / 1000));
		expect(r[11]).toBe(String((i.resolvedAt! - i.openedAt) / 1000));
	});
});

test('the quarterly report: uptime as computed from the samples, and printed to PDF', async ({ page }) => {
	await login(page, 'meg', `/reports?period=${lastQuarter.label}`);
	await expect(page.getByTestId('report-title')).toHaveText(`Quarterly service-quality report: ${lastQuarter.label}`);
	await expect(page.getByTestId('report-policy')).toContainText('uptime policy v2');
	// A finished quarter Vigil watched all along: judged whole.
	await expect(page.getByTestId('report-coverage')).toHaveText('Judged: the whole quarter.');
	// Independently: every 5-minute sample holds for 5 minutes; count the down ones in the quarter.
	const period = (lastQuarter.to - lastQuarter.from) / 1000;
	for (const service of ['checkout', 'search', 'payments']) {
		let down = 0;
		for (const [a, b] of history.outages[service]!) down += (Math.min(b, lastQuarter.to) - Math.max(a, lastQuarter.from)) / INTERVAL;
		const expected = 1 - (down * INTERVAL) / 1000 / period;
		const row = page.locator(`[data-testid=uptime-row][data-service=${service}]`);
		await expect(row.getByTestId('availability')).toHaveText(`${(expected * 100).toFixed(3)} %`);
		const api = (await (await page.request.get(`${vigil.url}/api/v1/reports?period=${lastQuarter.label}&service=${service}`)).json()) as { services: Array<{ seconds: { availability: number; down: number } }> };
		expect(api.services[0]!.seconds.availability).toBeCloseTo(expected, 9);
		expect(api.services[0]!.seconds.down).toBe((down * INTERVAL) / 1000);
	}
	await page.screenshot({ path: '/tmp/reports.png', fullPage: true });

	// The services CSV matches the JSON.
	const csv = parseCsv(await (await page.request.get(`${vigil.url}/api/v1/reports?period=${lastQuarter.label}&format=csv&table=services`)).text());
	expect(csv[0]![0]).toBe('service');
	expect(csv.slice(1).map((r) => r[0])).toEqual(['checkout', 'payments', 'search']);

	await page.goto(`${vigil.url}/reports?period=${lastQuarter.label}&layout=print`);
	await page.screenshot({ path: '/tmp/reports-print.png', fullPage: true });
	await page.emulateMedia({ media: 'print' });
	await expect(page.getByTestId('report-form')).toBeHidden();
	await expect(page.getByTestId('service-page')).toHaveCount(3);
	const pdf = await page.pdf({ format: 'A4', printBackground: true });
	const text = pdf.toString('latin1');
	expect(text.startsWith('%PDF-')).toBe(true);
	const pages = (text.match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
	// A page of headline figures (it may run over), then one per service.
	expect(pages).toBeGreaterThanOrEqual(4);
	expect(pages).toBeLessThanOrEqual(8);
	expect(pdfTitle(text)).toContain(`Quarterly service-quality report ${lastQuarter.label}`);
});

test('staged targets: the level in force, the next stage and how far the quarter is from it, as the JSON and CSV say', async ({ page }) => {
	await login(page, 'meg', `/reports?period=${lastQuarter.label}`);
	type Slo = { name: string; steps: number; good: number; compliance: number; levelInForce: number; next: { from: string; reached: boolean; stepsUnderNext: number; good: number; compliance: number; gap: number; meets: boolean } | null };
	const api = (await (await page.request.get(`${vigil.url}/api/v1/reports?period=${lastQuarter.label}`)).json()) as { slos: Slo[] };
	const [allUp, mean, ahead] = ['all up', 'mean up', 'mean up ahead'].map((n) => api.slos.find((x) => x.name === n)!);
	expect(allUp!.next).toBeNull();
	// The stage began inside the quarter: 90 % is the level in force, and the hours from its day were judged by it.
	expect(mean!.levelInForce).toBe(0.9);
	expect(mean!.next).toMatchObject({ from: STAGE_DAY, reached: true });
	expect(mean!.next!.stepsUnderNext).toBeGreaterThan(0);
	expect(mean!.next!.stepsUnderNext).toBeLessThan(mean!.steps);
	// The checkout outage on day 40 (one of three services down: 67 %) meets 60 % but not 90 %.
	expect(mean!.good).toBeLessThan(mean!.steps);
	expect(ahead!.good).toBe(ahead!.steps);
	expect(ahead!.levelInForce).toBe(0.6);
	expect(ahead!.next).toMatchObject({ from: '2099-01-01', reached: false, stepsUnderNext: 0 });
	expect(ahead!.next!.meets).toBe(false);

	const rows = page.getByTestId('slo-table').locator('tbody tr');
	const rowOf = (name: string) => rows.filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${name}$`) }) });
	const day = (d: string) => `${Number(d.slice(8))} ${'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ')[Number(d.slice(5, 7)) - 1]} ${d.slice(0, 4)}`;
	const gap = (n: NonNullable<Slo['next']>) => `${(n.compliance * 100).toFixed(2)} % of hours meet it · ${n.gap >= 0 ? 'meets next stage' : `${(-n.gap * 100).toFixed(1)} pp short of next stage`}`;
	await expect(rowOf('all up').getByTestId('slo-next')).toHaveText('–');
	await expect(rowOf('mean up').getByTestId('slo-level')).toHaveText(`≥ 90.000 %since ${day(STAGE_DAY)}; before: ≥ 60.000 %`);
	await expect(rowOf('mean up').getByTestId('slo-next')).toContainText(`≥ 90.000 % from ${day(STAGE_DAY)} (reached: ${mean!.next!.stepsUnderNext} of ${mean!.steps} hours judged by it)`);
	await expect(rowOf('mean up').getByTestId('slo-next-gap')).toHaveText(gap(mean!.next!));
	await expect(rowOf('mean up ahead').getByTestId('slo-level')).toHaveText('≥ 60.000 %');
	await expect(rowOf('mean up ahead').getByTestId('slo-next')).toContainText('≥ 99.900 % from 1 Jan 2099');
	await expect(rowOf('mean up ahead').getByTestId('slo-next-gap')).toHaveText(gap(ahead!.next!));
	await expect(rowOf('mean up ahead').getByTestId('slo-next-gap')).toContainText('pp short of next stage');
	await page.getByTestId('slo-table').scrollIntoViewIfNeeded();
	await page.screenshot({ path: '/tmp/reports-stages.png' });

	// The CSV's next-stage columns are the JSON's.
	const csv = parseCsv(await (await page.request.get(`${vigil.url}/api/v1/reports?period=${lastQuarter.label}&format=csv&table=slos`)).text());
	const header = csv[0]!;
	const col = (row: string[], name: string) => row[header.indexOf(name)];
	const csvRow = csv.find((r) => r[0] === 'mean up')!;
	expect(col(csvRow, 'level_in_force')).toBe('0.9');
	expect(col(csvRow, 'next_threshold')).toBe('0.9');
	expect(col(csvRow, 'next_from')).toBe(STAGE_DAY);
	expect(col(csvRow, 'next_reached')).toBe('yes');
	expect(Number(col(csvRow, 'next_good_hours'))).toBe(mean!.next!.good);
	expect(Number(col(csvRow, 'next_gap_pp'))).toBeCloseTo(mean!.next!.gap * 100, 4);
	expect(col(csv.find((r) => r[0] === 'all up')!, 'next_from')).toBe('');
});

test('a postmortem prints to PDF', async ({ page }) => {
	await login(page, 'meg', '/incidents?range=last-quarter');
	await page.getByTestId('incident-row').first().getByRole('link').click();
	await page.getByTestId('postmortem-link').click();
	await expect(page.getByTestId('postmortem-title')).toContainText('Postmortem: INC-');
	await expect(page.getByTestId('impact')).toContainText('Affected services');
	await page.screenshot({ path: '/tmp/postmortem.png', fullPage: true });
	const pdf = (await page.pdf({ format: 'A4' })).toString('latin1');
	const pages = (pdf.match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
	expect(pages).toBeGreaterThanOrEqual(1);
	expect(pages).toBeLessThanOrEqual(3);
	expect(pdfTitle(pdf)).toContain('Postmortem INC-');
});

test('hostile text in an alert name and a note runs no script on /incidents and /incidents/<id>', async ({ page }) => {
	const dialogs: string[] = [];
	page.on('dialog', (d) => {
		dialogs.push(d.message());
		void d.dismiss();
	});
	await login(page, 'eve', '/incidents?range=all&q=onerror');
	const rows = page.getByTestId('incident-row');
	await expect(rows).toHaveCount(2);
	await expect(rows.filter({ hasText: XSS })).toHaveCount(1);
	expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
	for (let k = 0; k < 2; k++) {
		await page.goto(`${vigil.url}/incidents?range=all&q=onerror`);
		await page.getByTestId('incident-row').nth(k).getByRole('link').click();
		await expect(page.getByTestId('timeline')).toContainText(XSS);
		await page.waitForTimeout(300);
		expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
		expect(await page.locator('main img').count()).toBe(0);
	}
	expect(dialogs).toEqual([]);
});

/** The document title of a Chromium PDF (its Info dictionary: a literal or UTF-16 hex string). */
function pdfTitle(pdf: string): string {
	const hex = /\/Title\s*<([0-9A-Fa-f]+)>/.exec(pdf);
	if (hex) {
		const bytes = Buffer.from(hex[1]!, 'hex');
		const body = bytes[0] === 0xfe && bytes[1] === 0xff ? bytes.subarray(2) : bytes;
		let s = '';
		for (let i = 0; i + 1 < body.length; i += 2) s += String.fromCharCode((body[i]! << 8) | body[i + 1]!);
		return s.replace(/·/g, '').replace(/\s+/g, ' ');
	}
	const lit = /\/Title\s*\(((?:\\.|[^\\)])*)\)/.exec(pdf);
	return lit ? lit[1]!.replace(/\s+/g, ' ') : '';
}

test('an engineer reopens, acknowledges, assigns and resolves an incident from its page; the timeline records each', async ({ page }) => {
	const api = await page.request.get(`${vigil.url}/api/v1/incidents?status=resolved&service=payments&limit=1`, { failOnStatusCode: false });
	await login(page, 'eve', '/incidents');
	const list = (await (await page.request.get(`${vigil.url}/api/v1/incidents?status=resolved&service=payments&limit=1`)).json()) as { incidents: Array<{ ref: string }> };
	expect(api.status()).toBe(401); // the API needs a login or a token
	const ref = list.incidents[0]!.ref;
	await page.goto(`${vigil.url}/incidents/${ref}`);
	const typed = (type: string) => page.locator(`[data-testid=timeline-entry][data-type=${type}]`);
	const before = { acknowledged: await typed('acknowledged').count(), resolved: await typed('resolved').count() };
	await expect(page.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0); // resolved: nothing to acknowledge

	await page.getByRole('button', { name: 'Reopen' }).click();
	await expect(typed('reopened')).toHaveCount(1);
	await page.getByRole('button', { name: 'Acknowledge' }).click();
	await expect(typed('acknowledged')).toHaveCount(before.acknowledged + 1);
	await expect(page.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0);
	await page.getByLabel('Owner').selectOption('eve');
	await page.getByRole('button', { name: 'Assign' }).click();
	await expect(typed('assigned').last()).toContainText('eve');
	await page.getByRole('button', { name: 'Resolve' }).click();
	await expect(typed('resolved')).toHaveCount(before.resolved + 1);
	await expect(page.getByRole('button', { name: 'Reopen' })).toBeVisible();

	const after = (await (await page.request.get(`${vigil.url}/api/v1/incidents/${ref}`)).json()) as { incident: { status: string; owner: string; resolvedBy: string }; timeline: Array<{ type: string; actor?: string; by?: string }> };
	expect(after.incident).toMatchObject({ status: 'resolved', owner: 'eve', resolvedBy: 'user:eve' });
	const last = after.timeline.slice(-4).map((e) => e.type);
	expect(last).toEqual(['reopened', 'acknowledged', 'assigned', 'resolved']);
});

test('a search typed before the incidents page has run its scripts is kept; Clear empties the form', async ({ page }) => {
	await login(page, 'meg', '/incidents');
	// Hold the page's scripts back, as on a slow screen: type into the server-rendered form, then let
	// hydration run.
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	await page.route('**/_app/immutable/**/*.js', async (route) => {
		await held;
		await route.continue();
	});
	await page.goto(`${vigil.url}/incidents?range=last-quarter`, { waitUntil: 'domcontentloaded' });
	const text = page.getByLabel('Text', { exact: true });
	await text.fill('checkout');
	release();
	await hydrated(page);
	await expect(text).toHaveValue('checkout');
	await page.unroute('**/_app/immutable/**/*.js');

	await page.getByRole('button', { name: 'Filter' }).click();
	await expect(page).toHaveURL(/q=checkout/);
	await expect(text).toHaveValue('checkout');
	await page.getByRole('link', { name: 'Clear' }).click();
	await expect(page).toHaveURL(`${vigil.url}/incidents`);
	await expect(text).toHaveValue('');
	await expect(page.getByLabel('Opened')).toHaveValue('last-30d');
});
