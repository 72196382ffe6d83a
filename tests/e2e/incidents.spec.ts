/**
 * The shipped demo (as `npm start` runs it, its own Redis and ports here) after a new user breaks
 * the shop: the pages tell the truth about it.
 * - The current month's report judges the minutes Vigil has watched, not the whole month: the
 *   storefront, up all along, is (about) 100 % available, and the month's days to come and the days
 *   before Vigil started have no figure.
 * - Every incident and admin page shows its times in the config's zone (Europe/Berlin) and says
 *   so; the incident chart's time axis too.
 * - The payments outage's postmortem counts from the first failed probe, before the rule fired.
 * - The owner of an incident is chosen from the users; any other name is refused, naming the field.
 */
import { spawnSync } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { hydrated, logIn } from '../helpers/browser-session';
import { artifact } from '../helpers/artifacts';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';
import { addVigilUser, shippedDemoConfig, startVigilProcess, VIGIL_BIN, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
let shopUrl: string;
let brokenAt = 0;
let incidentRef = '';
const PASSWORD = 'incident page password';
const ZONE = 'Europe/Berlin';

/** "2026-12-07 08:24:44" in the zone, as the pages write times. */
function inZone(ms: number): string {
	const p = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
	const v = (t: string) => p.find((x) => x.type === t)!.value;
	return `${v('year')}-${v('month')}-${v('day')} ${v('hour')}:${v('minute')}:${v('second')}`;
}

/** Reads "2026-12-07 08:24:44" written in the zone back to epoch ms. */
function fromZone(text: string): number {
	const [d, t] = text.split(' ') as [string, string];
	const guess = Date.parse(`${d}T${t}Z`);
	// The zone's offset at that time (Berlin: +1 h in winter, +2 h in summer).
	const offset = Date.parse(`${inZone(guess).replace(' ', 'T')}Z`) - guess;
	return guess - offset;
}

async function login(page: Page, name: string, next: string): Promise<void> {
	await logIn(page, vigil.url, name, PASSWORD, next);
	await expect(page).not.toHaveURL(/\/login/);
}

test.beforeAll(async () => {
	test.setTimeout(240_000);
	redis = await startTestRedis();
	const shopPort = await freePort();
	shopUrl = `http://127.0.0.1:${shopPort}`;
	vigil = await startVigilProcess({ config: shippedDemoConfig(shopPort, `inc${process.pid}:`), redisUrl: redis.url });
	for (const [name, role] of [['ada', 'admin'], ['eve', 'engineer'], ['bob', 'engineer'], ['meg', 'manager']] as const) addVigilUser(vigil, redis.url, name, role, PASSWORD);
	// Watched for a while, then payments break: ProbeDown fires after its `for: 1m`.
	await new Promise((r) => setTimeout(r, 5000));
	brokenAt = Date.now();
	const r = await fetch(`${shopUrl}/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'payment-outage' }) });
	expect(r.status).toBe(200);
	const made = spawnSync(process.execPath, [VIGIL_BIN, 'token', 'create', '--name', 'reader', '--user', 'meg'], { env: { ...process.env, REDIS_URL: redis.url, VIGIL_CONFIG: vigil.configFile }, encoding: 'utf8' });
	const token = /vgl_\S+/.exec(made.stdout)?.[0];
	if (!token) throw new Error(`vigil token create: ${made.stderr}`);
	const deadline = Date.now() + 150_000;
	for (;;) {
		const list = (await (await fetch(`${vigil.url}/api/v1/incidents?service=payments`, { headers: { authorization: `Bearer ${token}` } })).json()) as { incidents?: Array<{ ref: string }> };
		if (list.incidents?.length) {
			incidentRef = list.incidents[0]!.ref;
			break;
		}
		if (Date.now() > deadline) throw new Error(`no payments incident within 150 s:\n${vigil.output().slice(-3000)}`);
		await new Promise((r) => setTimeout(r, 2000));
	}
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

test("the current month's report judges the time watched: the storefront is about 100 % up, days to come have no figure", async ({ page }) => {
	const today = inZone(Date.now());
	const month = today.slice(0, 7);
	await login(page, 'meg', `/reports?period=${month}`);
	await expect(page.getByTestId('report-zone')).toHaveText(`times in ${ZONE}`);
	await expect(page.getByTestId('report-coverage')).toContainText('month in progress');
	await expect(page.getByTestId('report-coverage')).toContainText('Vigil has watched since');
	await expect(page.getByTestId('report-policy')).toContainText('time not yet elapsed not counted');
	const storefront = page.locator('[data-testid=uptime-row][data-service=storefront]');
	const text = (await storefront.getByTestId('availability').textContent())!;
	// Up all along: of the couple of minutes watched, at most a second or two between samples reads
	// as no data (judged over the whole month, it read 0.006 %).
	expect(Number(text.replace(/[^\d.]/g, ''))).toBeGreaterThanOrEqual(95);
	const bars = page.getByTestId('service-page').first().getByTestId('day-bar');
	const states = await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
	expect(states.filter((s) => s === 'partial')).toHaveLength(1);
	expect(states.filter((s) => s === 'whole')).toHaveLength(0);
	expect(states.indexOf('partial')).toBe(Number(today.slice(8, 10)) - 1);
	// Days before Vigil started are grey (no figure), not red 0 %; days to come are not drawn as data.
	for (const s of states.slice(0, states.indexOf('partial'))) expect(s).toBe('unwatched');
	for (const s of states.slice(states.indexOf('partial') + 1)) expect(s).toBe('future');
	await expect(page.locator('[data-testid=day-bar][data-state=unwatched].bad')).toHaveCount(0);
	// The JSON says the same.
	const api = (await (await page.request.get(`${vigil.url}/api/v1/reports?period=${month}&service=storefront`)).json()) as { coverage: { inProgress: boolean }; services: Array<{ seconds: { availability: number } }> };
	expect(api.coverage.inProgress).toBe(true);
	expect(api.services[0]!.seconds.availability).toBeGreaterThanOrEqual(0.95);
	await page.screenshot({ path: artifact('report-month-in-progress.png'), fullPage: true });
});

test('the incident page: times in the zone, named, the chart axis too; the owner is one of the users', async ({ page }) => {
	// Record what the chart draws on its canvas (its axis labels are text drawn by Chart.js).
	await page.addInitScript(() => {
		const drawn: string[] = [];
		(window as unknown as { __drawn: string[] }).__drawn = drawn;
		const fill = CanvasRenderingContext2D.prototype.fillText;
		CanvasRenderingContext2D.prototype.fillText = function (text: string, x: number, y: number, max?: number) {
			drawn.push(String(text));
			return max === undefined ? fill.call(this, text, x, y) : fill.call(this, text, x, y, max);
		};
	});
	await login(page, 'eve', `/incidents/${incidentRef}`);
	await expect(page.getByTestId('page-zone')).toHaveText(`times in ${ZONE}`);
	const api = (await (await page.request.get(`${vigil.url}/api/v1/incidents/${incidentRef}`)).json()) as { incident: { openedAt: number }; timeline: Array<{ at: number }> };
	await expect(page.locator('p', { hasText: 'opened' }).first()).toContainText(`opened ${inZone(api.incident.openedAt)}`);
	await expect(page.getByTestId('timeline-entry').first().getByRole('cell').first()).toHaveText(inZone(api.timeline[0]!.at));
	// The chart's axis: the window's ends as the text above it gives them, in the zone, titled so.
	const window = (await page.locator('p', { hasText: 'the incident is shaded' }).textContent())!;
	const [, from, to] = /From (\S+ \S+) to (\S+ \S+)/.exec(window)!;
	await expect(page.getByTestId('incident-chart')).toBeVisible();
	await expect.poll(() => page.evaluate(() => (window as unknown as { __drawn: string[] }).__drawn.length)).toBeGreaterThan(0);
	const drawn = await page.evaluate(() => (window as unknown as { __drawn: string[] }).__drawn);
	expect(drawn).toContain(`time (${ZONE})`);
	expect(drawn).toContain(from!.slice(11, 16));
	expect(drawn).toContain(to!.slice(11, 16));
	expect(drawn.some((t) => t.includes('UTC'))).toBe(false);

	// The owner: a select of the users; a name that is no user is refused, naming the field.
	const owner = page.getByLabel('Owner');
	await expect(owner.locator('option')).toHaveText(['nobody', 'ada', 'bob', 'eve', 'meg']);
	await hydrated(page);
	await owner.selectOption('bob');
	await page.getByRole('button', { name: 'Assign' }).click();
	await expect(page.getByTestId('action-message')).toHaveText('Owner changed');
	await expect(page.locator('[data-testid=timeline-entry][data-type=assigned]').last()).toContainText('Assigned to bob');
	// A forged form: an option the page does not offer (the select takes it once its options settle).
	await expect(owner).toHaveValue('bob');
	await owner.evaluate((el: HTMLSelectElement) => el.add(new Option('mallory', 'mallory')));
	await owner.selectOption('mallory');
	await page.getByRole('button', { name: 'Assign' }).click();
	await expect(page.getByTestId('action-error')).toHaveText(/^owner: no user named "mallory"/);
	const after = (await (await page.request.get(`${vigil.url}/api/v1/incidents/${incidentRef}`)).json()) as { incident: { owner?: string } };
	expect(after.incident.owner).toBe('bob');
	await expect(page.getByTestId('responders')).toContainText('bob');
	await page.screenshot({ path: artifact('incident.png'), fullPage: true });
});

test('the postmortem counts the outage from the first failed probe, before the rule fired', async ({ page }) => {
	await login(page, 'meg', `/incidents/${incidentRef}/postmortem`);
	await expect(page.getByTestId('page-zone')).toContainText(`All times in ${ZONE}`);
	const api = (await (await page.request.get(`${vigil.url}/api/v1/incidents/${incidentRef}`)).json()) as { incident: { openedAt: number } };
	const outage = (await page.getByTestId('outage').textContent())!;
	const [, first] = /from the first failed probe at (\S+ \S+)/.exec(outage)!;
	const start = fromZone(first!);
	// The probe failed after the shop broke, and at least ProbeDown's `for: 1m` before it fired.
	expect(start).toBeGreaterThanOrEqual(Math.floor(brokenAt / 1000) * 1000 - 2000);
	expect(start).toBeLessThanOrEqual(api.incident.openedAt - 60_000);
	await expect(page.getByTestId('downtime')).toContainText(inZone(Math.floor(start / 60_000) * 60_000));
	// The chart of the alerts' expressions, as on the incident page.
	await expect(page.getByTestId('incident-chart')).toBeVisible();
	// Impact, root cause and follow-ups: empty, then written here by a manager (notes on the
	// timeline, shown under their heading; hostile text stays text).
	await expect(page.getByTestId('postmortem-cause')).toContainText('Not written yet');
	const write = page.getByTestId('postmortem-form');
	for (const [section, text] of [
		['cause', 'the payments provider refused every card <img src=x onerror="window.__xss=1">'],
		['impact', 'no payment went through for the outage'],
		['followups', 'alert on the provider error rate']
	] as const) {
		await write.getByLabel('Section').selectOption(section);
		await write.getByLabel('Text').fill(text);
		await write.getByRole('button', { name: 'Add to the postmortem' }).click();
		await expect(page.getByTestId(`postmortem-${section}`)).toContainText(text);
	}
	await expect(page.getByTestId('postmortem-followups')).toContainText('☐ alert on the provider error rate (user:meg, ');
	expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
	// They are notes on the incident, kept and audited with it.
	await page.goto(`${vigil.url}/incidents/${incidentRef}`);
	await expect(page.getByTestId('timeline')).toContainText('Root cause: the payments provider refused every card');
	await page.goto(`${vigil.url}/incidents/${incidentRef}/postmortem`);
	await page.screenshot({ path: artifact('postmortem.png'), fullPage: true });
});

test('the admin page writes its times in the zone and says so', async ({ page }) => {
	await login(page, 'ada', '/admin');
	await expect(page.getByTestId('page-zone')).toHaveText(`times in ${ZONE}`);
	const audit = (await (await page.request.get(`${vigil.url}/api/v1/audit?limit=1`)).json()) as { entries: Array<{ at: number }> };
	await expect(page.getByTestId('audit-row').first().getByRole('cell').first()).toHaveText(inZone(audit.entries[0]!.at));
});
