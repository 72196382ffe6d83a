/**
 * The quarterly quality report over a real Redis: `up` history and incidents written through the
 * stores (tests/helpers/report-history.ts), a failure-ratio series, and tickets fed through the
 * ticket store as a helpdesk would send them (some reopened or re-rated later, and a late stale
 * copy that must not win). Each figure of the last ended quarter is checked against a plain
 * computation over the tickets' latest states and the history's known outages and incidents,
 * written out here without the read models' code. Then publishing: the public snapshot holds no
 * merchant, team, user or service-label names, series names, hosts or labels; republishing counts
 * versions; an unended quarter is refused naming it; withdrawing removes it; the audit log says who.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/lib/server/audit';
import { createKeys, type Keys } from '../../src/lib/server/keys';
import { TicketStore } from '../../src/lib/server/tickets/store';
import type { Ticket } from '../../src/lib/server/tickets/model';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import type { SeriesSamples } from '../../src/lib/server/tsdb/types';
import { DEFAULT_REPORT_SETTINGS } from '../../src/lib/server/views/reports';
import { DEFAULT_QUALITY_SETTINGS, listPublishedQualityReports, parseQuarter, publishQualityReport, QualityPublishError, readPublishedQualityReport, runQualityReport, withdrawQualityReport, type QualityContext, type QualityReport } from '../../src/lib/server/views/quality-report';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { utcQuarter, writeHistory } from '../helpers/report-history';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Math.floor(Date.now() / MIN) * MIN;
const PREFIX = 'qr:';
const Q = utcQuarter(NOW, -1);
const P = utcQuarter(NOW, -2);
const RETENTION = { raw: 400 * DAY, minute: 400 * DAY, hour: 800 * DAY };
const LEAKY_ALERT = 'LeakyAlertName';
const HOST = 'db-7.internal.example:5432';
const MERCHANTS = ['acme-secret-merchant', 'bella-hidden-shop', 'corvid-private-store'];
const TEAMS = ['orders-desk-internal', 'payments-desk-internal', 'night-desk-internal'];
const CATEGORIES = ['delivery', 'payment', 'refund', ''];

function seeded(seed: number): () => number {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Tickets of the quarter and the one before; each as its helpdesk history: earlier states, the latest, and a late stale copy. */
function makeTickets(): { sent: Ticket[][]; latest: Ticket[] } {
	const r = seeded(23);
	const first: Ticket[] = [];
	const latest: Ticket[] = [];
	const stale: Ticket[] = [];
	for (let i = 0; i < 900; i++) {
		const inQ = i % 3 !== 0;
		const span = inQ ? Q : P;
		const created = span.from + Math.floor(r() * (span.to - span.from - 3 * DAY));
		const kind = r() < 0.4 ? 'complaint' : 'ticket';
		const m = Math.floor(r() * 3);
		const slowMerchant = m === 2;
		const answer = r() < 0.08 ? null : slowMerchant && r() < 0.3 ? Math.floor(r() * 40) * HOUR : Math.floor(r() * 7 * MIN);
		const closeAfter = r() < 0.15 ? null : (slowMerchant ? 30 + Math.floor(r() * 40) : 1 + Math.floor(r() * 50)) * HOUR;
		const firstResponse = answer === null ? null : created + answer;
		const closed = closeAfter === null || firstResponse === null ? null : Math.max(firstResponse, created + closeAfter);
		const rating = closed !== null && r() < 0.75 ? (slowMerchant ? 1 + Math.floor(r() * 5) : 3 + Math.floor(r() * 3)) : null;
		const t: Ticket = { id: `T-${i}`, kind, created, firstResponse, resolved: closed, closed, category: kind === 'complaint' ? CATEGORIES[Math.floor(r() * CATEGORIES.length)]! : 'question', merchant: MERCHANTS[m]!, team: TEAMS[Math.floor(r() * 3)]!, rating, updated: (closed ?? firstResponse ?? created) + MIN };
		latest.push(t);
		if (i % 10 === 1 && closed !== null) {
			// Closed and rated 5 at first; reopened (or re-rated) later: the later state wins.
			first.push({ ...t, closed: created + HOUR < (firstResponse ?? created) ? firstResponse : Math.max(firstResponse ?? created, created + HOUR), resolved: null, rating: 5, updated: t.updated - 1 });
			stale.push({ ...t, rating: 5, updated: t.updated - 2 });
		} else if (i % 10 === 2 && closed !== null) {
			// Closed at first, reopened since and still open now.
			first.push(t);
			const reopened: Ticket = { ...t, resolved: null, closed: null, rating: null, updated: t.updated + HOUR };
			latest[latest.length - 1] = reopened;
			stale.push({ ...t, updated: t.updated - 5 });
		}
	}
	return { sent: [first, latest, stale], latest };
}

// --- the plain computation -----------------------------------------------------------------------

const inSpan = (t: Ticket, s: { from: number; to: number }) => t.created >= s.from && t.created < s.to;
function deadlineShare(list: Ticket[], at: (t: Ticket) => number | null, limit: number): number | null {
	const decided = list.filter((t) => at(t) !== null || NOW - t.created >= limit);
	return decided.length ? decided.filter((t) => at(t) !== null && at(t)! - t.created <= limit).length / decided.length : null;
}
function satisfied(list: Ticket[]): number | null {
	const rated = list.filter((t) => t.rating !== null);
	return rated.length ? rated.filter((t) => t.rating! >= 4).length / rated.length : null;
}
/** The incidents writeHistory opens, acknowledges and resolves, as it computes their times. */
function historyIncidents(): Array<{ opened: number; tta: number | null; ttr: number }> {
	const from = utcQuarter(NOW, -2).from;
	const to = Math.floor(NOW / HOUR) * HOUR - HOUR;
	const out = [];
	for (let k = 0; from + k * 3 * DAY + 9 * HOUR < to - DAY; k++) {
		out.push({ opened: from + k * 3 * DAY + 9 * HOUR + (k % 5) * 7 * MIN, tta: k % 6 !== 5 ? (2 + (k % 7)) * MIN : null, ttr: (20 + (k % 9) * 15) * MIN });
	}
	return out;
}
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

// --- setup ---------------------------------------------------------------------------------------

let server: TestRedis;
let redis: Redis;
let keys: Keys;
let ctx: QualityContext;
let latest: Ticket[];
let report: QualityReport;

beforeAll(async () => {
	server = await startTestRedis();
	redis = new Redis(server.url);
	keys = createKeys(PREFIX);
	await writeHistory(server.url, PREFIX, NOW, LEAKY_ALERT);
	// The failure ratio over the quarter: 0.0004 on weekdays, 0.0009 at weekends (by UTC day), every 5 minutes.
	let t = NOW;
	const writer = new RedisStore(redis, { prefix: PREFIX, now: () => t, liveKey: null, retention: RETENTION });
	for (let day = Q.from; day < Q.to; day += 7 * DAY) {
		const ts: number[] = [];
		for (let x = day; x < Math.min(Q.to, day + 7 * DAY); x += 5 * MIN) ts.push(x);
		const batch: SeriesSamples[] = [{ name: 'system_failure_ratio', labels: { instance: HOST, job: 'platform' }, ts, values: ts.map((x) => ([0, 6].includes(new Date(x).getUTCDay()) ? 0.0009 : 0.0004)), intervalMs: 5 * MIN }];
		await writer.write(batch);
	}
	t = NOW + 2 * HOUR;
	while ((await writer.sealDue(5000)) > 0) {
		// seal minutes into hours
	}
	t = NOW + 2 * DAY;
	while ((await writer.sealDue(5000)) > 0) {
		// and hours into spans
	}
	const made = makeTickets();
	latest = made.latest;
	const tickets = new TicketStore(redis, keys, { retentionMs: 400 * DAY });
	for (const batch of made.sent) await tickets.upsert(batch, NOW);
	ctx = {
		redis,
		keys,
		audit: new AuditLog(redis, keys),
		tickets,
		store: new RedisStore(redis, { prefix: PREFIX, now: () => NOW, liveKey: null, retention: RETENTION }),
		reports: { settings: { ...DEFAULT_REPORT_SETTINGS, timeZone: 'UTC' }, retention: RETENTION },
		quality: { ...DEFAULT_QUALITY_SETTINGS, services: { checkout: 'Checkout', search: 'Search' } }
	};
	const q = parseQuarter(Q.label, 'UTC');
	if (!q.ok) throw new Error(q.error);
	report = await runQualityReport(ctx, q.value, NOW);
}, 300_000);

afterAll(async () => {
	redis?.disconnect();
	await server?.stop();
});

describe('the quarter report', () => {
	it('is the last ended quarter, in the reports zone', () => {
		expect(report.quarter).toBe(Q.label);
		expect([report.from, report.to, report.zone, report.ended]).toEqual([Q.from, Q.to, 'UTC', true]);
	});

	it('counts each ticket once at its latest state: the targets match a plain count', () => {
		const mine = latest.filter((t) => inSpan(t, Q));
		const complaints = mine.filter((t) => t.kind === 'complaint');
		expect(report.tickets.created).toBe(mine.length);
		const by = Object.fromEntries(report.targets.map((x) => [x.id, x]));
		const expected = {
			answered5m: deadlineShare(mine, (t) => t.firstResponse, 5 * MIN),
			complaintsAnswered24h: deadlineShare(complaints, (t) => t.firstResponse, 24 * HOUR),
			complaintsClosed48h: deadlineShare(complaints, (t) => t.closed, 48 * HOUR),
			satisfaction: satisfied(mine)
		};
		for (const [id, v] of Object.entries(expected)) {
			expect(v, id).not.toBeNull();
			expect(by[id]!.figure, id).toBeCloseTo(v!, 12);
			expect(by[id]!.met, id).toBe(v! >= DEFAULT_QUALITY_SETTINGS.targets[id as keyof typeof expected]);
		}
		// The re-rated tickets count with their later rating, not the 5 they had first.
		expect(mine.some((t) => Number(t.id.slice(2)) % 10 === 1 && t.rating !== null && t.rating < 5)).toBe(true);
	});

	it('takes the failure rate as the mean of the hourly failure ratio over the quarter', () => {
		const hours: number[] = [];
		for (let h = Q.from + HOUR; h <= Q.to; h += HOUR) hours.push([0, 6].includes(new Date(h - 1).getUTCDay()) ? 0.0009 : 0.0004);
		const f = report.targets.find((x) => x.id === 'failureRate')!;
		expect(f.basis).toBeGreaterThan(hours.length - 3);
		expect(f.figure!).toBeCloseTo(mean(hours)!, 9);
		expect(f.met).toBe(true);
	});

	it('has each service uptime from the known outages, and the incidents MTTA and MTTR', () => {
		const len = (Q.to - Q.from) / 1000;
		const by = Object.fromEntries(report.services.map((s) => [s.service, s]));
		expect(by.checkout!.availability!).toBeCloseTo(1 - (3 * 3600) / len, 9);
		expect(by.search!.availability!).toBeCloseTo(1 - 3600 / len, 9);
		expect(by.payments!.availability).toBe(1);
		expect([by.checkout!.displayName, by.search!.displayName, by.payments!.displayName]).toEqual(['Checkout', 'Search', null]);
		const inQ = historyIncidents().filter((i) => i.opened >= Q.from && i.opened < Q.to);
		expect(report.incidents.count).toBe(inQ.length);
		expect(report.incidents.mttaMs).toBeCloseTo(mean(inQ.flatMap((i) => (i.tta === null ? [] : [i.tta])))!, 6);
		expect(report.incidents.mttrMs).toBeCloseTo(mean(inQ.map((i) => i.ttr))!, 6);
	});

	it('counts complaints per category and month against the quarter before', () => {
		const count = (span: { from: number; to: number }, c: string) => latest.filter((t) => t.kind === 'complaint' && t.category === c && inSpan(t, span)).length;
		const months = [0, 1, 2].map((i) => ({ from: Date.UTC(new Date(Q.from).getUTCFullYear(), new Date(Q.from).getUTCMonth() + i, 1), to: Date.UTC(new Date(Q.from).getUTCFullYear(), new Date(Q.from).getUTCMonth() + i + 1, 1) }));
		expect(report.complaints.categories.map((c) => c.category).sort()).toEqual([...CATEGORIES].sort());
		for (const c of report.complaints.categories) {
			expect([c.count, c.previous, c.months], c.category).toEqual([count(Q, c.category), count(P, c.category), months.map((m) => count(m, c.category))]);
		}
		expect(report.complaints.previousQuarter).toBe(P.label);
	});

	it("gives each team's mean first response, answered-in-5-min share and resolution rate", () => {
		expect(report.teams.map((t) => t.team).sort()).toEqual([...TEAMS].sort());
		for (const row of report.teams) {
			const mine = latest.filter((t) => t.team === row.team && inSpan(t, Q));
			const answered = mine.filter((t) => t.firstResponse !== null);
			expect(row.tickets).toBe(mine.length);
			expect(row.meanFirstResponseMs!).toBeCloseTo(mean(answered.map((t) => t.firstResponse! - t.created))!, 6);
			expect(row.answered5m!).toBeCloseTo(deadlineShare(mine, (t) => t.firstResponse, 5 * MIN)!, 12);
			expect(row.resolution!).toBeCloseTo(mine.filter((t) => t.resolved !== null || t.closed !== null).length / mine.length, 12);
		}
	});

	it('counts the merchants below standard and in what, by the scorecards standards', () => {
		// No order data: completion and complaint rate are not judged; the rest need 20 ratings or complaints.
		const below = new Map<string, string[]>();
		for (const m of MERCHANTS) {
			const mine = latest.filter((t) => t.merchant === m && inSpan(t, Q));
			const complaints = mine.filter((t) => t.kind === 'complaint');
			const flags: string[] = [];
			const rated = mine.filter((t) => t.rating !== null).length;
			if (rated >= 20 && satisfied(mine)! < 0.9) flags.push('satisfaction');
			const decided = (at: (t: Ticket) => number | null, limit: number) => complaints.filter((t) => at(t) !== null || NOW - t.created >= limit).length;
			if (decided((t) => t.firstResponse, 24 * HOUR) >= 20 && deadlineShare(complaints, (t) => t.firstResponse, 24 * HOUR)! < 0.95) flags.push('answered24h');
			if (decided((t) => t.closed, 48 * HOUR) >= 20 && deadlineShare(complaints, (t) => t.closed, 48 * HOUR)! < 0.95) flags.push('closed48h');
			if (flags.length) below.set(m, flags);
		}
		expect(below.size).toBeGreaterThan(0);
		expect(report.merchants.total).toBe(3);
		expect(report.merchants.below).toBe(below.size);
		expect(Object.fromEntries(report.merchants.merchants.map((m) => [m.merchant, m.below]))).toEqual(Object.fromEntries(below));
		for (const measure of ['satisfaction', 'answered24h', 'closed48h'] as const) expect(report.merchants.byMeasure[measure], measure).toBe([...below.values()].filter((f) => f.includes(measure)).length);
	});
});

describe('publishing', () => {
	const by = { actor: 'user:alice-manager', name: 'alice-manager', ip: '10.1.2.3' };

	it('stores a public snapshot with only aggregate figures, without any internal name', async () => {
		const published = await publishQualityReport(ctx, Q.label, by, NOW);
		expect(published.version).toBe(1);
		expect(published.publishedAt).toBe(NOW);
		const read = await readPublishedQualityReport(redis, keys, Q.label.toLowerCase());
		expect(read).toEqual(published);
		expect(Object.keys(read!).sort()).toEqual(['complaints', 'from', 'incidents', 'policy', 'publishedAt', 'quarter', 'services', 'targets', 'title', 'to', 'uptimeObjective', 'version', 'zone']);
		expect(read!.services.map((s) => s.name)).toEqual(['Checkout', 'Search']);
		expect(read!.services[0]!.availability).toBe(report.services.find((s) => s.service === 'checkout')!.availability);
		expect(read!.targets.map((t) => [t.id, t.figure, t.met])).toEqual(report.targets.map((t) => [t.id, t.figure, t.met]));
		expect(read!.incidents).toEqual({ count: report.incidents.count, mttaMs: report.incidents.mttaMs, mttrMs: report.incidents.mttrMs });
		expect(read!.complaints.total).toBe(report.complaints.total);
		expect(read!.policy.slice(0, DEFAULT_QUALITY_SETTINGS.policy.length)).toEqual(DEFAULT_QUALITY_SETTINGS.policy);

		const text = JSON.stringify(read);
		const forbidden = [...MERCHANTS, ...TEAMS, 'alice', 'eng0', 'eng1', 'eng2', 'user:', LEAKY_ALERT, 'Rule0', 'system_failure_ratio', 'db-7', HOST, 'instance', 'platform', 'payments', 'checkout', 'search', 'up{', 'max(', '__name__', 'alertname', 'severity', 'vigil_tickets', 'publishedBy', '10.1.2.3'];
		for (const word of forbidden) expect(text, word).not.toContain(word);
	});

	it('counts versions when republished, lists the published quarters, and records who in the audit log', async () => {
		const again = await publishQualityReport(ctx, Q.label, by, NOW + 1000);
		expect(again.version).toBe(2);
		const list = await listPublishedQualityReports(redis, keys);
		expect(list.map((r) => [r.quarter, r.version, r.publishedAt])).toEqual([[Q.label, 2, NOW + 1000]]);
		const audit = (await ctx.audit.list({ limit: 10 })).filter((e) => e.action === 'quality-report.publish');
		expect(audit.map((e) => [e.actor, e.target, (e.after as { version: number }).version, e.ip])).toEqual([
			['user:alice-manager', Q.label, 2, '10.1.2.3'],
			['user:alice-manager', Q.label, 1, '10.1.2.3']
		]);
	});

	it('refuses a quarter that has not ended, naming it and when it ends', async () => {
		const current = utcQuarter(NOW, 0).label;
		const err = await publishQualityReport(ctx, current, by, NOW).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(QualityPublishError);
		expect((err as QualityPublishError).status).toBe(409);
		expect((err as Error).message).toContain(`quarter ${current} has not ended`);
		expect(await readPublishedQualityReport(redis, keys, current)).toBeNull();
		const bad = await publishQualityReport(ctx, '2026-Q7', by, NOW).catch((e: unknown) => e);
		expect((bad as QualityPublishError).status).toBe(400);
		expect((bad as Error).message).toMatch(/^quarter: expected a quarter like 2026-Q4/);
	});

	it('withdraws a published quarter (audited); a later publish continues the version count', async () => {
		await withdrawQualityReport(ctx, Q.label, { actor: 'user:root-admin', name: 'root-admin' });
		expect(await listPublishedQualityReports(redis, keys)).toEqual([]);
		const again = await withdrawQualityReport(ctx, Q.label, { actor: 'user:root-admin', name: 'root-admin' }).catch((e: unknown) => e);
		expect((again as QualityPublishError).status).toBe(404);
		const [entry] = (await ctx.audit.list({ limit: 5 })).filter((e) => e.action === 'quality-report.withdraw');
		expect([entry!.actor, entry!.target, (entry!.before as { version: number }).version]).toEqual(['user:root-admin', Q.label, 2]);
		expect((await publishQualityReport(ctx, Q.label, by, NOW)).version).toBe(3);
	});
});
