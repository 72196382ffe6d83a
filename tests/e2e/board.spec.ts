import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { artifact } from '../helpers/artifacts';
import { createKiosk, vigilCli, type Kiosk } from '../helpers/kiosk';
import { connectLive, until } from '../helpers/live-client';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, VIGIL_BIN, type VigilProcess } from '../helpers/vigil-process';

/**
 * A board of tiles against a running Vigil: the demo collector (every 500 ms) and values pushed
 * through the API. Snapshot then deltas, a pushed value on screen without a reload, resync after a lost
 * message, rotation, and a stale tile once its collector stops (last: it stops the collector).
 */
let redis: TestRedis;
let vigil: VigilProcess;
let kiosk: Kiosk;
let pushToken: string;

const BOARD = `wall:
  boards:
    - name: e2e
      title: E2E board
      columns: 3
      tiles:
        - { kind: stat, title: Demo orders, selector: demo_orders_per_minute, unit: /min, trend: 5m }
        - { kind: stat, title: Pushed value, selector: e2e_value }
        - { kind: chart, title: Demo chart, window: 5m, series: [{ selector: demo_orders_per_minute, label: demo }] }
        - { kind: alerts, title: Alerts }
        - { kind: stat, title: Per service, selector: e2e_latency, unit: s, thresholds: { warn: 1, crit: 2 } }
`;

test.beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(BOARD), redisUrl: redis.url });
	kiosk = createKiosk(vigil, redis.url, 'board-screen', ['--board', 'e2e']);
	const r = vigilCli(vigil, redis.url, ['token', 'create', '--name', 'pusher', '--scope', 'push']);
	expect(r.code, r.err).toBe(0);
	pushToken = r.out.split('\n')[0]!.trim();
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

const tile = (page: Page, title: string) => page.locator(`[data-testid="board-tile"][data-title="${title}"]`);

async function push(value: number, metric = 'e2e_value', labels: Record<string, string> = {}): Promise<void> {
	const res = await fetch(`${vigil.url}/api/v1/push`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${pushToken}` },
		body: JSON.stringify([{ metric, labels, value, ts: Date.now() }])
	});
	expect(res.status).toBe(200);
}

test('a screen gets the snapshot of its board, then deltas in sequence', async () => {
	const c = await connectLive(vigil.url, { kiosk: kiosk.token, board: 'e2e' });
	try {
		const snap = c.snapshots[0]!;
		expect(snap.board?.name).toBe('e2e');
		expect(snap.board?.tiles.map((t) => t.kind)).toEqual(['stat', 'stat', 'chart', 'alerts', 'stat']);
		expect(snap.alerts).toEqual([]);
		await until(() => c.points.length >= 3 || c.snapshots.length > 1, 10_000, 'deltas');
		// Each delta carries the next number of the board's sequence.
		let seq = snap.seq;
		for (const m of c.seqs.slice(1)) {
			if (m.type === 'snapshot') break;
			expect(m.seq).toBe(++seq);
		}
		// The demo series reaches both tiles that read it, with recent history for the chart.
		const last = c.snapshots.at(-1)!;
		const demo = last.series.find((s) => s.name === 'demo_orders_per_minute');
		expect(demo?.refs).toEqual([
			[0, 0],
			[2, 0]
		]);
		expect(demo?.history?.length).toBeGreaterThanOrEqual(1);
	} finally {
		c.close();
	}
});

test('the board shows its tiles live, and a pushed value as a delta, without a reload', async ({ page }) => {
	const violations: string[] = [];
	page.on('console', (m) => {
		if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
	});
	page.on('pageerror', (e) => violations.push(e.message));
	await page.goto(kiosk.url);
	await expect(page).toHaveURL(`${vigil.url}/wall/e2e`);
	await expect(page.getByTestId('board-title')).toHaveText('E2E board');
	await expect(page.getByTestId('zone')).not.toBeEmpty();
	await expect(tile(page, 'Demo orders').getByTestId('tile-value')).toHaveText(/^\d[\d,.]*\/min$/);
	await expect(tile(page, 'Demo orders')).toHaveAttribute('data-fresh', 'fresh');
	await expect(tile(page, 'Pushed value')).toHaveAttribute('data-fresh', 'none');
	await expect(tile(page, 'Pushed value').getByTestId('tile-age')).toHaveText('no data yet');
	await expect(page.locator('[data-title="Demo chart"] canvas')).toBeVisible();

	// A new series: the board learns it (a new snapshot); then every value is a delta.
	await push(1);
	await expect(tile(page, 'Pushed value').getByTestId('tile-value')).toHaveText('1');
	// (How fast a pushed value reaches the screen is measured by `npm run bench:wall`, not here.)
	await page.evaluate(() => ((window as unknown as { vigilSamePage: boolean }).vigilSamePage = true));
	for (const value of [4242, 777]) {
		await push(value);
		await expect(tile(page, 'Pushed value').getByTestId('tile-value')).toHaveText(value.toLocaleString('en-US'));
	}
	expect(await page.evaluate(() => (window as unknown as { vigilSamePage?: boolean }).vigilSamePage)).toBe(true);
	await page.screenshot({ path: artifact('board-e2e-1920x1080.png') });
	// Chart.js and the tiles run under the CSP, without errors.
	expect(violations).toEqual([]);
});

test('kiosk mode: /wall/<board>?token= shows that board, with no cursor, no navigation and nothing to press; the token opens nothing else', async ({ page, request }) => {
	const url = `${vigil.url}/wall/e2e?token=${kiosk.token}`;
	expect(kiosk.url).toBe(url);
	await page.goto(url);
	// The token is traded for the cookie and leaves the address bar.
	await expect(page).toHaveURL(`${vigil.url}/wall/e2e`);
	await expect(page.getByTestId('board-title')).toHaveText('E2E board');
	await expect(tile(page, 'Demo orders')).toHaveAttribute('data-fresh', 'fresh');
	await expect(page.getByTestId('wall')).toHaveAttribute('data-kiosk', 'yes');
	const cursors = await page.evaluate(() => {
		const at = (x: number, y: number) => getComputedStyle(document.elementFromPoint(x, y)!).cursor;
		return [getComputedStyle(document.documentElement).cursor, getComputedStyle(document.body).cursor, at(innerWidth / 2, innerHeight / 2), at(10, 10), at(innerWidth - 10, innerHeight - 10)];
	});
	expect(cursors).toEqual(['none', 'none', 'none', 'none', 'none']);
	await expect(page.getByTestId('wall-nav')).toHaveCount(0);
	await expect(page.locator('a, button, form, input, select, textarea')).toHaveCount(0);

	// Another board refuses the token, in the URL or as the cookie; no board is no board.
	expect((await page.goto(`${vigil.url}/wall/default?token=${kiosk.token}`))?.status()).toBe(403);
	expect((await page.goto(`${vigil.url}/wall?token=${kiosk.token}&board=default`))?.status()).toBe(403);
	expect((await page.goto(`${vigil.url}/wall`))?.status()).toBe(403);
	expect((await page.goto(`${vigil.url}/wall/nosuch`))?.status()).toBe(404);
	// The API refuses it, as Bearer or as the cookie.
	for (const path of ['/api/v1/rules/overview', '/api/v1/incidents', '/api/v1/query?query=up']) {
		expect((await request.get(`${vigil.url}${path}`, { headers: { authorization: `Bearer ${kiosk.token}` } })).status(), path).toBe(403);
		expect((await page.request.get(`${vigil.url}${path}`)).status(), path).toBeGreaterThanOrEqual(401);
	}
	// The older spelling still works, for its own board.
	await page.context().clearCookies();
	await page.goto(`${vigil.url}/wall?kiosk=${kiosk.token}`);
	await expect(page).toHaveURL(`${vigil.url}/wall/e2e`);
	await expect(page.getByTestId('wall')).toHaveAttribute('data-kiosk', 'yes');
});

test('a stat whose selector matches several series shows one value per series, worst first, up to four', async ({ page }) => {
	for (const [service, v] of [
		['search', 0.2],
		['checkout', 3],
		['cart', 0.1],
		['payments', 1.5],
		['auth', 0.3]
	] as const)
		await push(v, 'e2e_latency', { service });
	await page.goto(kiosk.url);
	const t = tile(page, 'Per service');
	await expect(t.getByTestId('stat-item')).toHaveCount(4);
	expect(await t.getByTestId('stat-item').evaluateAll((els) => els.map((e) => [e.getAttribute('data-label'), e.getAttribute('data-tone')]))).toEqual([
		['checkout', 'crit'],
		['payments', 'warn'],
		['auth', 'ok'],
		['cart', 'ok']
	]);
	await expect(t.getByTestId('stat-item').first().getByTestId('tile-value')).toHaveText(/^3(\.00)?s$/);
	// One series beyond four, and those a narrow tile cannot show at reading size: all counted, worst shown.
	const notShown = await t.getByTestId('stat-item').evaluateAll((els) => els.filter((e) => getComputedStyle(e).visibility === 'hidden').length);
	expect(notShown).toBeLessThan(4);
	await expect(t.getByTestId('stat-more')).toHaveText(`+${1 + notShown} more`);
	await expect(t).toHaveAttribute('data-tone', 'crit');
	// Still readable from across the room.
	for (const size of await t.getByTestId('tile-value').evaluateAll((els) => els.map((e) => parseFloat(getComputedStyle(e).fontSize)))) expect(size).toBeGreaterThanOrEqual(0.06 * 1080);
	await page.screenshot({ path: artifact('board-e2e-stat-series-1920x1080.png') });
});

test('a lost delta makes the screen ask for a snapshot, and it carries on', async ({ page }) => {
	const asked: string[] = [];
	let dropped = 0;
	await page.routeWebSocket(/\/socket\.io\//, (ws) => {
		const server = ws.connectToServer();
		ws.onMessage((m) => {
			if (typeof m === 'string' && m.includes('snapshot:request')) asked.push(m);
			server.send(m);
		});
		server.onMessage((m) => {
			// The third `points` message never reaches the screen: a gap in the sequence.
			if (typeof m === 'string' && m.startsWith('42["points"') && ++dropped === 3) return;
			ws.send(m);
		});
	});
	await page.goto(kiosk.url);
	await expect(tile(page, 'Demo orders')).toHaveAttribute('data-fresh', 'fresh');
	await expect.poll(() => asked.length, { timeout: 10_000 }).toBe(1);
	expect(asked[0]).toContain('"reason":"gap"');
	// The new snapshot arrived: values keep coming.
	const ts = await tile(page, 'Demo orders').getByTestId('tile-age').getAttribute('data-age-ms');
	expect(ts).not.toBeNull();
	await expect.poll(async () => Number(await tile(page, 'Demo orders').getByTestId('tile-age').getAttribute('data-age-ms')), { timeout: 5000 }).toBeLessThan(1500);
	await page.waitForTimeout(1500);
	expect(asked.length).toBe(1);
});

test('rotation shows the boards in turn', async ({ page }) => {
	const password = 'rotation watcher password';
	const r = spawnSync(process.execPath, [VIGIL_BIN, 'users', 'add', 'rita', '--role', 'viewer'], {
		env: { ...process.env, REDIS_URL: redis.url, VIGIL_CONFIG: vigil.configFile },
		input: `${password}\n`,
		encoding: 'utf8'
	});
	expect(r.status, r.stderr).toBe(0);
	await page.goto(`${vigil.url}/login`);
	await page.getByLabel('User name').fill('rita');
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByTestId('whoami')).toContainText('rita');
	// A login is not kiosk mode: links back to Vigil, and the cursor.
	await page.goto(`${vigil.url}/wall/e2e`);
	await expect(page.getByTestId('wall-nav').getByRole('link')).toHaveCount(5);
	await expect(page.getByTestId('wall-nav').getByRole('link', { name: 'Boards' })).toHaveAttribute('href', '/boards');
	expect(await page.evaluate(() => getComputedStyle(document.body).cursor)).not.toBe('none');

	await page.goto(`${vigil.url}/wall?rotate=e2e,default&every=5s`);
	await expect(page.getByTestId('board-title')).toHaveAttribute('data-board', 'e2e');
	await expect(page.getByTestId('rotation')).toHaveText('1 / 2');
	await expect(tile(page, 'Demo orders')).toHaveCount(1);
	await expect(page.getByTestId('board-title')).toHaveAttribute('data-board', 'default', { timeout: 12_000 });
	await expect(page.getByTestId('rotation')).toHaveText('2 / 2');
	await expect(page.getByTestId('tile').first()).toBeVisible();
	await expect(page.getByTestId('board-title')).toHaveAttribute('data-board', 'e2e', { timeout: 12_000 });
	// A kiosk link covers its own board only: it cannot rotate through others.
	await page.context().clearCookies();
	await page.goto(kiosk.url);
	const res = await page.goto(`${vigil.url}/wall?rotate=e2e,default&every=5s`);
	expect(res?.status()).toBe(403);
	expect((await page.request.get(`${vigil.url}/wall?rotate=e2e&every=1s`)).status()).toBe(400);
});

test('the server restarts: a full-width banner with the time of the last update, then the board resyncs without a reload', async ({ page }) => {
	await page.goto(kiosk.url);
	await expect(tile(page, 'Demo orders')).toHaveAttribute('data-fresh', 'fresh');
	await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
	const config = readFileSync(vigil.configFile, 'utf8');
	const port = new URL(kiosk.url).port;
	await vigil.stop();
	await expect(page.getByTestId('banner-connection')).toBeVisible({ timeout: 15_000 });
	await expect(page.getByTestId('banner-connection')).toContainText('Connection to Vigil lost: reconnecting');
	await expect(page.getByTestId('last-update')).toHaveText(/^last update \d\d:\d\d:\d\d UTC$/);
	await expect(tile(page, 'Alerts')).toHaveAttribute('data-fresh', 'stale');
	await expect(tile(page, 'Demo orders')).toHaveAttribute('data-fresh', 'stale', { timeout: 5000 });
	await page.screenshot({ path: artifact('board-e2e-disconnected-1920x1080.png') });

	// The same port again: the screen comes back by itself.
	vigil = await startVigilProcess({ config, redisUrl: redis.url, env: { PORT: port } });
	await expect(page.getByTestId('banner-connection')).toBeHidden({ timeout: 20_000 });
	await expect(tile(page, 'Demo orders')).toHaveAttribute('data-fresh', 'fresh', { timeout: 10_000 });
	expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
});

test('a tile turns stale once its collector stops: hatched, "no data for …", not down', async ({ page }) => {
	await page.goto(kiosk.url);
	await expect(tile(page, 'Demo orders')).toHaveAttribute('data-fresh', 'fresh');
	// The collector goes away: the config without it, reloaded.
	writeFileSync(vigil.configFile, readFileSync(vigil.configFile, 'utf8').replace(/collectors:\n(?: {2}.*\n)+/, 'collectors: []\n'));
	vigil.child.kill('SIGHUP');
	await expect(tile(page, 'Demo orders')).toHaveAttribute('data-fresh', 'stale', { timeout: 10_000 });
	await expect(tile(page, 'Demo orders').getByTestId('tile-age')).toHaveText(/^no data for \d/);
	await expect(tile(page, 'Demo orders').getByTestId('tile-state')).toHaveText('◌ STALE');
	await expect(tile(page, 'Demo orders')).not.toHaveAttribute('data-tone', 'crit');
	await page.screenshot({ path: artifact('board-e2e-stale-1920x1080.png') });
});
