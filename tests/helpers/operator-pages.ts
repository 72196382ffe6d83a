/**
 * What the operator pages' browser tests share: a `vigil` (web role) on its own redis-server with a
 * user of every role, alert state written as the alerts leader writes it, logging in through the
 * login form's endpoint, and a kiosk screen (a browser context holding only a kiosk cookie).
 */
import { expect, type Browser, type Page } from '@playwright/test';
import { Redis } from 'ioredis';
import { AlertStateStore } from '../../src/lib/server/alerting/state';
import { createKeys, type Keys } from '../../src/lib/server/keys';
import type { AlertInstance, RuleState } from '../../src/lib/server/rules/types';
import { hydrated } from './browser-session';
import { createKiosk } from './kiosk';
import { startTestRedis, type TestRedis } from './redis-server';
import { addVigilUser, startVigilProcess, type VigilProcess } from './vigil-process';

export const PASSWORD = 'operator pages password';
/** Markup that would run if shown as HTML: every page must show it as text. */
export const XSS = '<img src=x onerror="window.__xss=1">';
export const ROLE_USERS = { viewer: 'vic', engineer: 'eve', manager: 'meg', admin: 'ada' } as const;

export interface Rig {
	redis: TestRedis;
	vigil: VigilProcess;
	client: Redis;
	keys: Keys;
	stop(): Promise<void>;
}

/** Starts Vigil (web role, `extra` YAML appended to its config) and adds one user per role. */
export async function startRig(name: string, extra = '', env: Record<string, string> = {}): Promise<Rig> {
	const prefix = `${name}${Math.random().toString(36).slice(2, 8)}:`;
	const redis = await startTestRedis();
	const vigil = await startVigilProcess({ config: `redis:\n  prefix: "${prefix}"\nroles: [web]\nreports:\n  timeZone: Europe/Berlin\n${extra}`, redisUrl: redis.url, env });
	for (const [role, user] of Object.entries(ROLE_USERS)) addVigilUser(vigil, redis.url, user, role, PASSWORD);
	const client = new Redis(redis.url);
	return {
		redis,
		vigil,
		client,
		keys: createKeys(prefix),
		async stop() {
			client.disconnect();
			await vigil.stop();
			await redis.stop();
		}
	};
}

/** An alert instance of a rule, as the leader saves it. */
export function instance(labels: Record<string, string>, state: AlertInstance['state'] = 'firing'): AlertInstance {
	return { fingerprint: Object.values(labels).join('-'), labels, annotations: {}, state, value: 1, activeAt: Date.now() - 60_000, ...(state === 'firing' ? { firedAt: Date.now() - 30_000 } : {}) };
}

/** Saves a rule's state with these instances (what the pages read as the current alerts). */
export async function saveAlerts(rig: Rig, ruleId: string, instances: AlertInstance[]): Promise<void> {
	const state: RuleState = { ruleId, health: 'ok', lastEvalAt: Date.now() - 3000, lastEvalDurationMs: 5, instances };
	await new AlertStateStore<RuleState>(rig.client, rig.keys).save(1, Date.now(), [{ ruleId, state }]);
}

/** Logs `user` in (the session cookie lands in the page's context) and opens `next`, hydrated. */
export async function login(page: Page, rig: Rig, user: string, next: string): Promise<void> {
	const res = await page.context().request.post(`${rig.vigil.url}/login`, { form: { username: user, password: PASSWORD }, headers: { origin: rig.vigil.url, accept: 'text/html' }, maxRedirects: 0 });
	expect(res.status()).toBe(303);
	await page.goto(`${rig.vigil.url}${next}`);
	await hydrated(page);
}

/**
 * A kiosk screen: a new browser context that opened a kiosk link (so it holds the kiosk cookie and
 * no session). Checks that `path` sends it to the login page and that its wall has no navigation.
 */
export async function kioskIsKeptOut(browser: Browser, rig: Rig, path: string): Promise<void> {
	const kiosk = createKiosk(rig.vigil, rig.redis.url, `screen-${Math.random().toString(36).slice(2, 6)}`);
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(kiosk.url);
	await expect(page).toHaveURL(/\/wall$/);
	await expect(page.getByTestId('wall')).toHaveAttribute('data-kiosk', 'yes');
	await expect(page.getByTestId('wall-nav')).toHaveCount(0);
	const res = await page.goto(`${rig.vigil.url}${path}`);
	expect(res?.status()).toBe(200);
	await expect(page).toHaveURL(new RegExp(`/login\\?next=${encodeURIComponent(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
	await context.close();
}

/** No markup from data ran: no <img> made from hostile text, and no script set the marker. */
export async function noMarkupRan(page: Page): Promise<void> {
	expect(await page.locator('main img').count()).toBe(0);
	expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
}

/**
 * The page's tables fit its main column at this viewport, and keep words whole: every word of a
 * cell (split at spaces and hyphens) lies on one line, except in cells of free text marked
 * `.anywhere` (comments, URLs, answers), which may break a long token to keep the table in the page.
 */
export async function tablesKeepWords(page: Page): Promise<void> {
	const found = await page.evaluate(() => {
		const out: string[] = [];
		const main = document.querySelector('main')!;
		const right = main.getBoundingClientRect().right - parseFloat(getComputedStyle(main).paddingRight);
		for (const table of main.querySelectorAll('table')) {
			const name = table.getAttribute('data-testid') ?? 'a table';
			const over = table.getBoundingClientRect().right - right;
			if (over > 1) out.push(`${name}: ${Math.round(over)} px wider than the page`);
			const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
			for (let n = walker.nextNode(); n; n = walker.nextNode()) {
				if (n.parentElement!.closest('.anywhere')) continue;
				for (const m of (n.textContent ?? '').matchAll(/[^\s-]+/g)) {
					const range = document.createRange();
					range.setStart(n, m.index);
					range.setEnd(n, m.index + m[0].length);
					const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
					if (lines.size > 1) out.push(`${name}: “${m[0]}” broken over ${lines.size} lines`);
				}
			}
		}
		return out;
	});
	expect(found, `tables at ${page.viewportSize()?.width} px`).toEqual([]);
}
