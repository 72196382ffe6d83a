import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { artifact } from '../helpers/artifacts';
import { createKiosk, type Kiosk } from '../helpers/kiosk';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';
import { addVigilUser, shippedDemoConfig, startVigilProcess, VIGIL_BIN, type VigilProcess } from '../helpers/vigil-process';
import { MIN_ARCMIN, MIN_SHARE, findCutText, measureWallText, textReport, type TextClass } from '../helpers/wall-text';

/**
 * The wall from 5 metres: on the shipped demo config (the plain /wall and the demo-shop board), at
 * 1920×1080 and 3840×2160, healthy and with checkout down, every text a person must read is at
 * least 16 arcminutes high (cap height, on a 55" 16:9 screen at 5 m: 3.40 % of the screen's
 * height), and no text is cut without saying so (an ellipsis, or "+N more" for a list, whose
 * worst item is always shown). Screenshots of each state go to tests/e2e/artifacts; the measured
 * sizes to wall-text-sizes.json there.
 */
let redis: TestRedis;
let vigil: VigilProcess;
let shopUrl: string;
let board: Kiosk;
let plain: Kiosk;
const measured: Record<string, TextClass[]> = {};

test.beforeAll(async () => {
	redis = await startTestRedis();
	const shopPort = await freePort();
	shopUrl = `http://127.0.0.1:${shopPort}`;
	vigil = await startVigilProcess({ config: shippedDemoConfig(shopPort, `e2er${process.pid}:`, 20), redisUrl: redis.url });
	board = createKiosk(vigil, redis.url, 'read-board', ['--board', 'demo-shop']);
	plain = createKiosk(vigil, redis.url, 'read-plain');
});

test.afterAll(async () => {
	writeFileSync(artifact('wall-text-sizes.json'), JSON.stringify(measured, null, 1));
	await vigil?.stop();
	await redis?.stop();
});

const SIZES = [
	[1920, 1080],
	[3840, 2160]
] as const;

/** Measures (and shoots) the wall at both sizes; every "read" class at least MIN_ARCMIN. */
async function readable(page: Page, name: string): Promise<void> {
	for (const [w, h] of SIZES) {
		await page.setViewportSize({ width: w, height: h });
		// The lists fit themselves after a frame or two; the chart redraws within a second.
		await page.waitForTimeout(1500);
		const { sh, ih } = await page.evaluate(() => ({ sh: document.documentElement.scrollHeight, ih: innerHeight }));
		expect.soft(sh, 'the wall never scrolls').toBeLessThanOrEqual(ih);
		await page.screenshot({ path: artifact(`read-${name}-${w}x${h}.png`) });
		const classes = await measureWallText(page);
		measured[`${name} ${w}x${h}`] = classes;
		console.log(`${name} ${w}x${h}\n${textReport(classes)}`);
		const small = classes.filter((c) => c.kind === 'read' && c.cap < MIN_SHARE);
		expect.soft(small.map((c) => `${c.cls} “${c.sample}” ${c.arcmin.toFixed(1)}′`), `texts under ${MIN_ARCMIN}′ at ${w}x${h}`).toEqual([]);
		// The things that must be read are there to be measured.
		expect(classes.filter((c) => c.kind === 'read').length).toBeGreaterThan(3);
		// Nothing is cut without saying so. A list fits itself a frame after it changes (a new alert
		// row), so a cut must last to count.
		await expect.poll(() => findCutText(page), { message: `texts cut at ${w}x${h}`, timeout: 5000 }).toEqual([]);
	}
	await page.setViewportSize({ width: 1920, height: 1080 });
}

const tile = (page: Page, title: string) => page.locator(`[data-testid="board-tile"][data-title="${title}"]`);

test('the plain wall: readable at both sizes, values at least 6 % of the height, and the screen filled', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto(plain.url);
	await expect(page.getByTestId('tile').filter({ hasText: 'Orders per minute' })).toHaveCount(1, { timeout: 20_000 });
	await expect(page.getByTestId('tile').filter({ hasText: 'Uptime' }).first()).toBeVisible({ timeout: 20_000 });
	await readable(page, 'plain');
	for (const [w, h] of SIZES) {
		await page.setViewportSize({ width: w, height: h });
		await page.waitForTimeout(800);
		const { values, filled } = await page.evaluate(() => {
			const area = document.querySelector('.tiles-area')!.getBoundingClientRect();
			const tiles = [...document.querySelectorAll('[data-testid="tile"]')].map((t) => t.getBoundingClientRect());
			return {
				// As drawn: the font size times the tiles' zoom.
				values: [...document.querySelectorAll('[data-testid="value"]')].map((v) => (parseFloat(getComputedStyle(v).fontSize) * (parseFloat(getComputedStyle(v.closest('[data-testid="plain-tiles"]')!).zoom) || 1)) / innerHeight),
				filled: (Math.max(...tiles.map((t) => t.bottom)) - area.top) / area.height
			};
		});
		expect.soft(Math.min(...values), `values at ${w}x${h}`).toBeGreaterThanOrEqual(0.06);
		// The tiles take the screen's height (not its top half).
		expect.soft(filled, `tiles fill the height at ${w}x${h}`).toBeGreaterThan(0.8);
	}
});

test('the demo board healthy, then checkout down with its alert: readable at both sizes, and the failing tile keeps its place', async ({ page }) => {
	test.setTimeout(360_000);
	await page.goto(board.url);
	await expect(tile(page, 'Services').getByTestId('status-cell')).toHaveCount(4, { timeout: 20_000 });
	await expect(tile(page, 'Orders queue')).not.toHaveAttribute('data-fresh', 'none', { timeout: 15_000 });
	await readable(page, 'board-healthy');
	// Each tile's box within the board (the burn-in shift moves the whole board a few pixels).
	const places = () =>
		page.getByTestId('board').evaluate((b) => {
			const o = b.getBoundingClientRect();
			return [...b.querySelectorAll('[data-testid="board-tile"]')].map((e) => {
				const r = e.getBoundingClientRect();
				return [e.getAttribute('data-title'), Math.round(r.x - o.x), Math.round(r.y - o.y), Math.round(r.width), Math.round(r.height)];
			});
		});
	const before = await places();

	const r = await fetch(`${shopUrl}/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'checkout-down' }) });
	expect(r.status).toBe(200);
	await expect(tile(page, 'Services')).toHaveAttribute('data-tone', 'crit', { timeout: 15_000 });
	// Where is payments: where it was. The failing tile is highlighted in its place; nothing moves.
	const after = await places();
	expect(after).toEqual(before);
	await expect(tile(page, 'Active alerts').getByTestId('alert-row').filter({ hasText: 'ProbeDown' })).toHaveAttribute('data-state', 'firing', { timeout: 120_000 });
	await readable(page, 'board-checkout-down');

	// A backlog that does not drain: the queue tile turns red with its reason, and keeps its detail
	// and its age line or says it gave them way.
	const q = await fetch(`${shopUrl}/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'queue-backlog' }) });
	expect(q.status).toBe(200);
	await expect(tile(page, 'Orders queue')).toHaveAttribute('data-tone', /warn|crit/, { timeout: 120_000 });
	for (const [w, h] of SIZES) {
		await page.setViewportSize({ width: w, height: h });
		await page.waitForTimeout(1500);
		await page.screenshot({ path: artifact(`read-board-queue-backlog-${w}x${h}.png`) });
		await expect.poll(() => findCutText(page), { message: `texts cut at ${w}x${h}, queue backlog`, timeout: 5000 }).toEqual([]);
	}
});

test('the service-quality tile when its first objective\'s small lines run long: they give way, ending in "…", and the tile\'s age line stays inside', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto(board.url);
	const slo = tile(page, 'Service quality');
	await expect(slo.getByTestId('slo').first().getByTestId('slo-budget')).toHaveText(/left|judging|no data/, { timeout: 30_000 });
	for (const [w, h] of SIZES) {
		await page.setViewportSize({ width: w, height: h });
		await page.waitForTimeout(1500);
		// A value wide enough, and small lines long enough, that the first objective no longer fits
		// (as a failure rate of "10.34 %" beside "100% left" once did, pushing the age line out).
		const layout = await slo.evaluate(async (t) => {
			const first = t.querySelector<HTMLElement>('[data-testid="slo"]')!;
			first.querySelector('.slo-value')!.firstChild!.textContent = '10.34 % ';
			first.querySelector('[data-testid="slo-budget"]')!.textContent = '100% left';
			const next = first.querySelector('[data-testid="slo-next"]');
			if (next) next.textContent = 'next < 0.05 % from Jul 2027 · 10 pp over · '.repeat(6);
			await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
			await new Promise((r) => setTimeout(r, 200));
			const box = t.getBoundingClientRect();
			const inside = (e: Element) => {
				const r = e.getBoundingClientRect();
				return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
			};
			const foot = first.querySelector<HTMLElement>('[data-fit-shrinks]');
			return { firstInside: inside(first), ageInside: inside(t.querySelector('[data-testid="tile-age"]')!), clipped: foot?.dataset.clipped ?? 'no', title: foot?.title ?? '' };
		});
		await page.screenshot({ path: artifact(`read-board-slo-long-${w}x${h}.png`) });
		expect(layout.firstInside, `the first objective inside the tile at ${w}x${h}`).toBe(true);
		expect(layout.ageInside, `the age line inside the tile at ${w}x${h}`).toBe(true);
		expect(layout.clipped, `the small lines say they were cut at ${w}x${h}`).toBe('yes');
		expect(layout.title, 'the cut text in full in the tooltip').toContain('100% left');
		await page.reload();
		await expect(slo.getByTestId('slo').first().getByTestId('slo-budget')).toHaveText(/left|judging|no data/, { timeout: 30_000 });
	}
	await page.setViewportSize({ width: 1920, height: 1080 });
});

test('a silenced alert first in the alerts list: its row fits the tile, nothing is cut, and "+N more" stays in view', async ({ page }) => {
	test.setTimeout(300_000);
	await page.goto(board.url);
	const r = await fetch(`${shopUrl}/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'payment-outage' }) });
	expect(r.status).toBe(200);
	const alerts = tile(page, 'Active alerts');
	await expect(alerts.getByTestId('alert-row').filter({ hasText: 'ProbeDown' }).filter({ hasText: 'payments' })).toHaveAttribute('data-state', 'firing', { timeout: 150_000 });
	// Every alert silenced, by a token (the longest "by" a silence has): the first row is a silenced one.
	addVigilUser(vigil, redis.url, 'meg', 'engineer', 'a long enough password');
	const made = spawnSync(process.execPath, [VIGIL_BIN, 'token', 'create', '--name', 'wall-reader', '--user', 'meg'], { env: { ...process.env, REDIS_URL: redis.url, VIGIL_CONFIG: vigil.configFile }, encoding: 'utf8' });
	const token = /vgl_\S+/.exec(made.stdout)?.[0];
	if (!token) throw new Error(`vigil token create: ${made.stderr}`);
	const s = await fetch(`${vigil.url}/api/v1/silences`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
		body: JSON.stringify({ matchers: '{alertname=~".+"}', duration: '2h', comment: 'wall check' })
	});
	expect(s.status).toBe(201);
	await expect(alerts.getByTestId('alert-row').first()).toHaveAttribute('data-muted', 'silenced', { timeout: 20_000 });
	await expect(alerts.getByTestId('alert-row').first().getByTestId('alert-mute')).toBeVisible();
	for (const [w, h] of SIZES) {
		await page.setViewportSize({ width: w, height: h });
		await page.waitForTimeout(1500);
		await page.screenshot({ path: artifact(`read-board-silenced-${w}x${h}.png`) });
		await expect.poll(() => findCutText(page), { message: `texts cut at ${w}x${h}, a silenced alert first`, timeout: 5000 }).toEqual([]);
		// The rows shown and "+N more" (when some are not) lie inside the tile, above its age line.
		const layout = await alerts.evaluate((t) => {
			const box = t.getBoundingClientRect();
			const inside = (e: Element) => {
				const r = e.getBoundingClientRect();
				return r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.left >= box.left - 1 && r.right <= box.right + 1;
			};
			const rows = [...t.querySelectorAll('[data-testid="alert-row"]')];
			const shown = rows.filter((e) => getComputedStyle(e).visibility !== 'hidden');
			const more = t.querySelector('[data-testid="list-more"]');
			return { rows: rows.length, shown: shown.length, shownInside: shown.every(inside), more: more?.textContent ?? null, moreInside: more ? inside(more) : null };
		});
		expect(layout.shown, `rows shown at ${w}x${h}`).toBeGreaterThan(0);
		expect(layout.shownInside, `rows inside the tile at ${w}x${h}`).toBe(true);
		if (layout.shown < layout.rows) {
			expect(layout.more, `"+N more" at ${w}x${h}`).toMatch(/^\+\d+ more/);
			expect(layout.moreInside, `"+N more" inside the tile at ${w}x${h}`).toBe(true);
		}
	}
	await page.setViewportSize({ width: 1920, height: 1080 });
	await readable(page, 'board-silenced');
});
