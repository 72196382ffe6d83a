import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../src/lib/shared/problems';
import { parseConfig, resolveConfigPath } from './config';

function problems(text: string, env: NodeJS.ProcessEnv = {}, roles?: string): string[] {
	const r = parseConfig(text, { env, roles });
	return r.ok ? [] : r.problems.map(formatProblem);
}

describe('the shipped demo config', () => {
	it('is valid, runs every role and the demo shop, and watches it through every source kind', () => {
		const r = parseConfig(readFileSync(join(import.meta.dirname, '..', 'vigil.config.yaml'), 'utf8'));
		expect(r.ok, r.ok ? '' : JSON.stringify(r.problems)).toBe(true);
		if (!r.ok) return;
		expect(r.value.roles).toEqual(['web', 'collect', 'alerts']);
		expect(r.value.demoShop.enabled).toBe(true);
		expect(new Set(r.value.collectors.map((c) => c.kind))).toEqual(new Set(['http', 'prometheus', 'redis-queue', 'rabbitmq', 'sql', 'tickets']));
		expect(r.value.wall.tiles.length).toBeGreaterThan(5);
	});
});

describe('defaults', () => {
	it('fills every section from an empty file', () => {
		const r = parseConfig('');
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.value.server).toEqual({ host: '127.0.0.1', port: 3000, liveConnectionsPerIp: 50 });
		expect(r.value.redis).toEqual({ prefix: 'vigil:', embedded: { dataDir: './data/redis', binary: 'redis-server' } });
		expect(r.value.roles).toEqual(['web', 'collect', 'alerts']);
		expect(r.value.shutdown.timeout).toBe(10_000);
		expect(r.value.collectors).toEqual([]);
		// Alertmanager's defaults, everything to the built-in log channel
		expect(r.value.notifications.route).toMatchObject({ receiver: 'log', group_by: ['alertname', 'service'], matchers: [], routes: [] });
		expect(r.value.notifications.delivery).toEqual({ initialBackoff: 1000, maxBackoff: 60_000, budget: 3_600_000, attemptTimeout: 10_000, concurrency: 8 });
		expect(r.value.incidents).toEqual({ groupBy: ['service'], perRule: true, quietPeriod: 300_000, reopenWindow: 1_800_000 });
	});

	it('checks the notification route tree and channels, naming the path', () => {
		const report = problems(
			[
				'notifications:',
				'  channels:',
				'    - { name: hook, type: webhook }',
				'    - { name: hook, type: log }',
				'  route:',
				'    matchers: [\'a="b"\']',
				'    routes:',
				'      - { matchers: [severity=critical], group_wait: soon }'
			].join('\n')
		);
		expect(report.join('\n')).toMatch(/notifications\.channels\[0\]\.url \(line 3, column \d+\): a webhook channel needs a URL/);
		expect(report.join('\n')).toMatch(/notifications\.channels\[1\]\.name \(line 4, column \d+\): duplicate channel "hook"/);
		expect(report.join('\n')).toMatch(/notifications\.route\.routes\[0\]\.matchers\[0\] \(line 8, column \d+\): expected a matcher like severity="critical"/);
		expect(report.join('\n')).toMatch(/notifications\.route\.routes\[0\]\.group_wait \(line 8, column \d+\): expected a duration/);
		expect(problems('notifications:\n  route: { receiver: log, matchers: [\'a="b"\'] }\n').join('\n')).toMatch(/notifications\.route .*: the root route matches every alert; move matchers to a child route/);
		expect(problems('notifications:\n  route: { group_by: [service] }\n').join('\n')).toMatch(/the root route needs a receiver/);
	});

	it('gives collectors an interval of 15s and labels of their own', () => {
		const r = parseConfig('collectors:\n  - kind: demo\n    name: a\n');
		expect(r.ok && r.value.collectors[0]).toMatchObject({ interval: 15_000, labels: {}, shop: 'demo', base: 120 });
	});
});

describe('problems', () => {
	it('lists all three mistakes of a config, each with its path and line', () => {
		const text = [
			'server:',
			'  port: 99999',
			'roles: [web, collector]',
			'collectors:',
			'  - kind: demo',
			'    name: one',
			'  - kind: demo',
			'    name: two',
			'  - kind: demo',
			'    name: three',
			'    interval: soon'
		].join('\n');
		expect(problems(text)).toEqual([
			'server.port (line 2, column 9): expected a port number from 1 to 65535, got 99999',
			'roles[1] (line 3, column 14): expected one of "web", "collect", "alerts", got "collector"',
			'collectors[2].interval (line 11, column 15): expected a duration like "15s", got "soon"'
		]);
	});

	it('names unknown keys and suggests the likely one', () => {
		expect(problems('server:\n  prot: 80\n')).toEqual(['server.prot (line 2, column 3): unknown key; did you mean "port"?']);
	});

	it('refuses an unknown collector kind and lists the known ones', () => {
		expect(problems('collectors:\n  - kind: smtp\n    name: x\n')).toEqual([
			'collectors[0].kind (line 2, column 11): unknown kind "smtp"; expected one of http, prometheus, redis-queue, rabbitmq, sql, tickets, demo'
		]);
	});

	it('refuses duplicate collector names', () => {
		expect(problems('collectors:\n  - {kind: demo, name: a}\n  - {kind: demo, name: a}\n')).toEqual([
			'collectors[1].name (line 3, column 24): duplicate name "a" (also collectors[0])'
		]);
	});

	it('reports YAML syntax errors with their line', () => {
		const out = problems('server:\n  port: 80\n   host: x\n');
		expect(out.length).toBeGreaterThanOrEqual(1);
		expect(out[0]).toBe("(document) (line 2, column 9): YAML: Nested mappings are not allowed in compact mappings");
	});

	it('refuses a document that is not a mapping', () => {
		expect(problems('- a\n- b\n')).toEqual(['(document) (line 1): expected a mapping of settings at the top level']);
	});
});

describe('environment overrides', () => {
	it('override the file', () => {
		const r = parseConfig('server:\n  port: 3000\nroles: [web]\n', {
			env: { PORT: '4000', HOST: '0.0.0.0', REDIS_URL: 'redis://r:6380/1', ORIGIN: 'https://vigil.example.com', VIGIL_ROLES: 'collect, alerts' }
		});
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.value.server).toEqual({ host: '0.0.0.0', port: 4000, origin: 'https://vigil.example.com', liveConnectionsPerIp: 50 });
		expect(r.value.redis.url).toBe('redis://r:6380/1');
		expect(r.value.roles).toEqual(['collect', 'alerts']);
	});

	it('--roles wins over VIGIL_ROLES', () => {
		const r = parseConfig('', { env: { VIGIL_ROLES: 'web' }, roles: 'collect' });
		expect(r.ok && r.value.roles).toEqual(['collect']);
	});

	it('name the variable in their problems', () => {
		expect(problems('', { PORT: 'eighty', REDIS_URL: 'localhost:6379', VIGIL_ROLES: 'web,web' })).toEqual([
			'server.port: expected a port number from 1 to 65535, got "eighty" (set by PORT)',
			'roles: each role once (set by VIGIL_ROLES)',
			'redis.url: expected a URL like redis://host:6379 or rediss://user:pass@host:6380/0 (set by REDIS_URL)'
		]);
	});
});

describe('the demo shop address', () => {
	const shop = (extra = '') => `demoShop: { enabled: true, port: 3100${extra} }
collectors:
  - { kind: prometheus, name: m, url: '\${demoShop.url}/metrics' }
  - { kind: http, name: h, url: '\${demoShop.url}/storefront/health', headers: { x-a: 'cost: $5' } }
`;
	const urls = (text: string, env: NodeJS.ProcessEnv = {}) => {
		const r = parseConfig(text, { env });
		if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
		return r.value.collectors.map((c) => ('url' in c ? c.url : undefined));
	};

	it('is one setting: collectors that refer to it follow demoShop.port, or VIGIL_DEMO_SHOP_PORT', () => {
		expect(urls(shop())).toEqual(['http://127.0.0.1:3100/metrics', 'http://127.0.0.1:3100/storefront/health']);
		expect(urls(shop().replace('3100', '4100'))).toEqual(['http://127.0.0.1:4100/metrics', 'http://127.0.0.1:4100/storefront/health']);
		expect(urls(shop(), { VIGIL_DEMO_SHOP_PORT: '4200' })).toEqual(['http://127.0.0.1:4200/metrics', 'http://127.0.0.1:4200/storefront/health']);
		// A shop on every interface is reached on loopback; an IPv6 host in brackets.
		expect(urls(shop(', host: 0.0.0.0'))[0]).toBe('http://127.0.0.1:3100/metrics');
		expect(urls(shop(', host: "::1"'))[0]).toBe('http://[::1]:3100/metrics');
		const r = parseConfig(shop());
		expect(r.ok && r.value.collectors[1]).toMatchObject({ headers: { 'x-a': 'cost: $5' } });
	});

	it('names an unknown reference, a bad VIGIL_DEMO_SHOP_PORT, and a shop on Vigil\'s own port', () => {
		expect(problems(shop().replace('${demoShop.url}/metrics', '${demoshop.url}/metrics'))).toEqual([
			'collectors[0].url (line 3, column 39): unknown reference ${demoshop.url}: the one reference is ${demoShop.url} (the demo shop\'s address)'
		]);
		expect(problems(shop(), { VIGIL_DEMO_SHOP_PORT: 'shop' })).toEqual(['demoShop.port: expected a port number from 1 to 65535, got "shop" (set by VIGIL_DEMO_SHOP_PORT)']);
		expect(problems(shop(), { PORT: '3100' })).toEqual([
			"demoShop.port (line 1, column 34): is 3100, Vigil's own port (server.port, or PORT) too: give the demo shop another one (demoShop.port, or VIGIL_DEMO_SHOP_PORT)"
		]);
		// Without the shop in this process, the port is free for Vigil.
		expect(problems('demoShop: { enabled: false, port: 3000 }\n')).toEqual([]);
	});
});

describe('resolveConfigPath', () => {
	const root = '/opt/vigil';
	it('prefers --config, then VIGIL_CONFIG, then the shipped file', () => {
		expect(resolveConfigPath('my.yaml', { VIGIL_CONFIG: '/etc/v.yaml' }, '/srv', root)).toBe('/srv/my.yaml');
		expect(resolveConfigPath(undefined, { VIGIL_CONFIG: '/etc/v.yaml' }, '/srv', root)).toBe('/etc/v.yaml');
		expect(resolveConfigPath(undefined, {}, '/nonexistent-dir', root)).toBe('/opt/vigil/vigil.config.yaml');
	});
});

describe('wall boards', () => {
	it('the shipped demo board uses every tile kind', () => {
		const r = parseConfig(readFileSync(join(import.meta.dirname, '..', 'vigil.config.yaml'), 'utf8'));
		if (!r.ok) throw new Error(JSON.stringify(r.problems));
		const board = r.value.wall.boards.find((b) => b.name === 'demo-shop');
		expect(new Set(board?.tiles.map((t) => t.kind))).toEqual(new Set(['status', 'stat', 'chart', 'queue', 'alerts', 'slo']));
		const slo = board?.tiles.find((t) => t.kind === 'slo');
		expect(slo?.kind === 'slo' && slo.objectives.map((o) => o.name)).toEqual(['Failure rate', 'First response', 'Answered', 'Closed', 'Satisfaction']);
	});

	it('fills defaults and turns durations into ms', () => {
		const r = parseConfig(`wall:
  boards:
    - name: ops
      tiles:
        - { kind: stat, title: Orders, selector: shop_orders_per_minute }
        - { kind: queue, title: Orders queue, queue: orders, sla: 10m }
        - { kind: chart, title: Latency, series: [{ selector: up }] }
`);
		if (!r.ok) throw new Error(JSON.stringify(r.problems));
		const [b] = r.value.wall.boards;
		expect(b).toMatchObject({ name: 'ops', columns: 4 });
		expect(b!.tiles[0]).toMatchObject({ kind: 'stat', trend: 900_000 });
		expect(b!.tiles[1]).toMatchObject({ kind: 'queue', sla: 600_000 });
		expect(b!.tiles[2]).toMatchObject({ kind: 'chart', window: 900_000 });
		expect(r.value.wall.tiles).toEqual([]);
	});

	it('names every mistake with its path: bad selectors, kinds, names, durations, duplicates', () => {
		const found = problems(`wall:
  boards:
    - name: Ops Board
      tiles:
        - { kind: pie, title: X }
    - name: ops
      tiles:
        - { kind: stat, title: Orders, selector: 'up{' }
        - { kind: chart, title: L, series: [{ selector: up }, { selector: 'a{b=' }] }
        - { kind: queue, title: Q, queue: orders, sla: 10 }
        - { kind: slo, title: S, objectives: [{ name: F, selector: up, op: "=", target: 1 }] }
    - name: ops2
      tiles: []
`);
		const text = found.join('\n');
		expect(text).toMatch(/wall\.boards\[0\]\.name.*lowercase/);
		expect(text).toMatch(/wall\.boards\[0\]\.tiles\[0\]/);
		expect(text).toMatch(/wall\.boards\[1\]\.tiles\[0\]\.selector.*expected a selector/);
		expect(text).toMatch(/wall\.boards\[1\]\.tiles\[1\]\.series\[1\]\.selector/);
		expect(text).toMatch(/wall\.boards\[1\]\.tiles\[2\]\.sla.*add a unit/);
		expect(text).toMatch(/wall\.boards\[1\]\.tiles\[3\]\.objectives\[0\]\.op/);
		expect(text).toMatch(/wall\.boards\[2\]\.tiles/);
		const twice = 'wall:\n  boards:\n    - { name: ops, tiles: [{ kind: alerts, title: A }] }\n    - { name: ops, tiles: [{ kind: alerts, title: B }] }\n';
		expect(problems(twice).join()).toMatch(/wall\.boards\[1\]\.name.*duplicate board "ops"/);
	});

	it('keeps the board `default` of plain tiles (wall.tiles)', () => {
		const r = parseConfig(`wall:\n  tiles:\n    - { title: Up, selector: up, unit: up }\n`);
		if (!r.ok) throw new Error(JSON.stringify(r.problems));
		expect(r.value.wall).toEqual({ tiles: [{ title: 'Up', selector: 'up', unit: 'up' }], boards: [], screenDownAfter: 120_000, reloadAt: '04:00' });
		expect(problems(`wall:\n  tiles:\n    - { title: Up, selector: 'up{' }\n`).join()).toMatch(/wall\.tiles\[0\]\.selector/);
	});
});

describe('staged targets', () => {
	const slo = (next: string) => `reports:\n  slos:\n    - { name: a, expr: x, op: ">=", threshold: 0.9 }\n    - { name: b, expr: x, op: ">=", threshold: 0.9 }\n    - { name: c, expr: x, op: "<", threshold: 0.001, ${next} }\n`;

	it('accept a stricter next stage of a report target', () => {
		expect(problems(slo('next: { threshold: 0.0005, from: "2027-07-01" }'))).toEqual([]);
	});

	it('name the field of a next stage that is not a date or not stricter', () => {
		expect(problems(slo('next: { threshold: 0.0005, from: "July 2027" }')).join('\n')).toMatch(/^reports\.slos\[2\]\.next\.from \(line \d+.*\): not a date \(YYYY-MM-DD\)$/m);
		expect(problems(slo('next: { threshold: 0.002, from: "2027-07-01" }')).join('\n')).toMatch(/^reports\.slos\[2\]\.next\.threshold .*: 0\.002 is not stricter than the current threshold 0\.001 under "<"/m);
		expect(problems(slo('next: { threshold: 0.0005 }')).join('\n')).toMatch(/reports\.slos\[2\]\.next\.from/);
	});

	it('name the field of a board objective whose next stage is not stricter', () => {
		const text = 'wall:\n  boards:\n    - name: q\n      tiles:\n        - kind: slo\n          title: q\n          objectives:\n            - { name: s, selector: x, op: ">=", target: 0.9, unit: "%", next: { target: 0.85, from: "2027-07-01" } }\n';
		expect(problems(text).join('\n')).toMatch(/wall\.boards\[0\]\.tiles\[0\]\.objectives\[0\]\.next\.target .*: 0\.85 is not stricter than the current target 0\.9 under ">="/);
	});
});

describe('quality report stages', () => {
	it('accept a stricter stage of a plan target and name the field of one that is not', () => {
		expect(problems('quality:\n  stages: { satisfaction: { level: 0.95, from: "2027-07-01" } }\n')).toEqual([]);
		const out = problems('quality:\n  stages:\n    satisfaction: { level: 0.85, from: "2027-07-01" }\n    failureRate: { level: 0.0005, from: "soon" }\n').join('\n');
		expect(out).toMatch(/quality\.stages\.satisfaction\.level .*0\.85 is not stricter than the current level 0\.9 under ">="/);
		expect(out).toMatch(/quality\.stages\.failureRate\.from .*not a date \(YYYY-MM-DD\)/);
		expect(problems('quality:\n  stages: { uptime: { level: 0.99, from: "2027-07-01" } }\n').join('\n')).toMatch(/quality\.stages.*uptime/);
	});
});

describe('status (the public status page)', () => {
	it('is off by default, and keeps the services as listed', () => {
		const off = parseConfig('');
		expect(off.ok && off.value.status).toEqual({ enabled: false, title: 'Service status', services: [], cacheSeconds: 30, requestsPerMinute: 60 });
		const on = parseConfig(`status:\n  enabled: true\n  title: Shop status\n  services:\n    - { name: Checkout, selector: 'up{service="checkout"}' }\n  cacheSeconds: 5\n  requestsPerMinute: 10\n`);
		expect(on.ok && on.value.status).toEqual({ enabled: true, title: 'Shop status', services: [{ name: 'Checkout', selector: 'up{service="checkout"}' }], cacheSeconds: 5, requestsPerMinute: 10 });
	});

	it('names the field of every problem', () => {
		const out = problems(
			`status:\n  enabled: true\n  services:\n    - { name: Checkout, selector: 'up{service=' }\n    - { name: "", selector: up }\n    - { name: Checkout, selector: up }\n  cacheSeconds: 0\n  requestsPerMinute: 1.5\n  colour: red\n`
		).join('\n');
		expect(out).toMatch(/status\.services\[0\]\.selector \(line 4.*expected a selector/);
		expect(out).toMatch(/status\.services\[1\]\.name \(line 5.*expected a public name of 1 to 80 characters/);
		expect(out).toMatch(/status\.services\[2\]\.name .*duplicate public name "Checkout" \(also status\.services\[0\]\)/);
		expect(out).toMatch(/status\.cacheSeconds .*expected whole seconds from 1 to 3600/);
		expect(out).toMatch(/status\.requestsPerMinute .*expected a whole number from 1 to 100000/);
		expect(out).toMatch(/status\.colour .*unknown key/);
		expect(problems('status:\n  enabled: true\n').join('\n')).toMatch(/status\.services.*is empty: name at least one public service/);
	});
});
