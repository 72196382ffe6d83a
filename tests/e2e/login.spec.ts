import { spawnSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, VIGIL_BIN, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
const PASSWORD = 'wall watcher password';

test.beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
	const r = spawnSync(process.execPath, [VIGIL_BIN, 'users', 'add', 'olga', '--role', 'viewer'], {
		env: { ...process.env, REDIS_URL: redis.url, VIGIL_CONFIG: vigil.configFile },
		input: `${PASSWORD}\n`,
		encoding: 'utf8'
	});
	expect(r.status, r.stderr).toBe(0);
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

test('a wrong password shows the error; the right one logs in and the wall runs under the CSP', async ({ page }) => {
	const violations: string[] = [];
	page.on('console', (m) => {
		if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
	});
	page.on('pageerror', (e) => violations.push(e.message));

	await page.goto(`${vigil.url}/login`);
	await page.getByLabel('User name').fill('olga');
	await page.getByLabel('Password').fill('not her password');
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByRole('alert')).toHaveText('wrong user name or password');
	await expect(page.getByLabel('User name')).toHaveValue('olga');

	await page.getByLabel('Password').fill(PASSWORD);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByTestId('whoami')).toContainText('olga');
	await page.getByRole('link', { name: 'Wall' }).click();
	await expect(page).toHaveURL(/\/wall$/);
	await expect(page.getByTestId('connection')).toHaveText('live');
	await expect(page.getByTestId('tile').first()).toBeVisible();
	await page.screenshot({ path: 'test-results/login-wall.png' });
	expect(violations).toEqual([]);

	// Logging out ends the session (the form carries the CSRF token).
	await page.goto(`${vigil.url}/`);
	await page.getByRole('button', { name: 'Log out' }).click();
	await expect(page).toHaveURL(/\/login$/);
	await page.goto(`${vigil.url}/`);
	await expect(page.getByRole('link', { name: 'Log in' })).toBeVisible();
	expect(violations).toEqual([]);
});

test('a name typed before the page has finished loading is kept, and the login goes through', async ({ page }) => {
	// Hold the page's scripts back, as on a slow wall PC: the user types into the server-rendered
	// form, then the scripts run (hydration), then the user submits.
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	await page.route('**/_app/immutable/**/*.js', async (route) => {
		await held;
		await route.continue();
	});
	await page.goto(`${vigil.url}/login`, { waitUntil: 'domcontentloaded' });
	await page.getByLabel('User name').fill('olga');
	release();
	await expect(page.locator('html[data-hydrated]')).toHaveCount(1);
	await expect(page.getByLabel('User name')).toHaveValue('olga');
	await page.getByLabel('Password').fill(PASSWORD);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByTestId('whoami')).toContainText('olga');
});
