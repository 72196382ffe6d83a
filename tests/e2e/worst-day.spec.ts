import { expect, test } from '@playwright/test';
import { Redis } from 'ioredis';
import { AlertStateStore } from '../../src/lib/server/alerting/state';
import { createKeys } from '../../src/lib/server/keys';
import type { AlertInstance, RuleState } from '../../src/lib/server/rules/types';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { artifact } from '../helpers/artifacts';
import { createKiosk } from '../helpers/kiosk';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

/**
 * The worst day on the wall: 10,000 alerts firing at once. Every tile of the board still renders
 * (the server sends the rows a tile can use and the counts of all, never a list that the screen's
 * schema would refuse), and the alerts tile shows the true total and what its rows leave out.
 */
let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
const prefix = `worst${process.pid}:`;
const keys = createKeys(prefix);
const MANY = 10_000;

const config = `redis:
  prefix: "${prefix}"
roles: [web]
wall:
  boards:
    - name: worst
      title: Worst day
      columns: 3
      tiles:
        - { kind: status, title: Services, selector: 'up{kind="http"}', by: service }
        - { kind: alerts, title: Active alerts, max: 6 }
        - { kind: stat, title: Orders per minute, selector: shop_orders_per_minute, unit: /min }
`;

function inst(i: number, labels: Record<string, string>): AlertInstance {
	return { fingerprint: `fp${i}`, labels, annotations: { summary: `${labels.alertname} ${i}` }, state: 'firing', value: 1, activeAt: Date.now() - 60_000, firedAt: Date.now() - 30_000 } as AlertInstance;
}

test.beforeAll(async () => {
	test.setTimeout(120_000);
	redis = await startTestRedis();
	client = new Redis(redis.url);
	const store = new RedisStore(client, { prefix, liveKey: `${prefix}live` });
	const now = Date.now();
	await store.write([
		...['storefront', 'checkout', 'payments'].map((service) => ({ name: 'up', labels: { kind: 'http', service }, ts: [now], values: [service === 'payments' ? 0 : 1], intervalMs: 2000 })),
		{ name: 'shop_orders_per_minute', labels: {}, ts: [now], values: [42], intervalMs: 2000 }
	]);
	const save = (ruleId: string, instances: AlertInstance[]) => {
		const state: RuleState = { ruleId, health: 'ok', lastEvalAt: now, lastEvalDurationMs: 50, instances };
		return new AlertStateStore<RuleState>(client, keys).save(1, now, [{ ruleId, state }]);
	};
	await save('load/wall_screen_down', Array.from({ length: MANY }, (_, i) => inst(i, { alertname: 'wall_screen_down', screen: `s${i}`, severity: 'warning' })));
	await save('shop/ProbeDown', [inst(MANY, { alertname: 'ProbeDown', service: 'payments', severity: 'critical' })]);
	vigil = await startVigilProcess({ config, redisUrl: redis.url });
});

test.afterAll(async () => {
	client?.disconnect();
	await vigil?.stop();
	await redis?.stop();
});

test('10,000 firing alerts: every tile renders, the alerts tile shows the true total and what it leaves out', async ({ page }) => {
	const kiosk = createKiosk(vigil, redis.url, 'worst-screen', ['--board', 'worst']);
	await page.goto(kiosk.url);
	const tile = (title: string) => page.locator(`[data-testid="board-tile"][data-title="${title}"]`);
	const alerts = tile('Active alerts');
	await expect(alerts.getByTestId('tile-value')).toHaveText('10,001firing', { timeout: 20_000 });
	await expect(alerts).toHaveAttribute('data-tone', 'crit');
	// The critical probe first, then the rest; the cut says what it left out, by rule.
	await expect(alerts.getByTestId('alert-row').first()).toContainText('ProbeDown');
	await expect(alerts.getByTestId('list-more')).toContainText(/\+9,99\d more: 10,000 wall_screen_down, 1 ProbeDown/);
	// The other tiles are whole: the services with the one down, and the stat.
	await expect(tile('Services').getByTestId('status-cell')).toHaveCount(3);
	await expect(tile('Services').locator('[data-name="payments"]')).toHaveAttribute('data-tone', 'crit');
	await expect(tile('Orders per minute').getByTestId('tile-value')).toContainText('42');
	await expect(page.getByText('No series yet')).toHaveCount(0);
	await page.screenshot({ path: artifact('worst-day-10000-alerts-1920x1080.png') });
});
