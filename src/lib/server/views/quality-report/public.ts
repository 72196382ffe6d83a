/**
 * The published form of a quality report: a frozen snapshot that customers may see, and the store
 * of the published quarters in Redis (`<prefix>{quality}:published`, `:versions`).
 *
 * The public form holds aggregate figures only: the targets with their figures and whether each was
 * met, uptime per published service under its display name, the count and mean times of incidents,
 * complaint counts per category, and the declared policy. It never holds a merchant, team, user or
 * host name, a series name, an expression or a label: `toPublic` copies the fields it lists, never
 * the internal report as a whole.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../../keys';
import type { TargetId } from './settings';
import type { QualityReport } from './load';
import { compareQuarters } from './quarter';

/**
 * A published quarterly service-quality report, as the public status page shows it.
 * Shares are fractions (0..1); times are epoch ms; durations are ms.
 */
export interface PublicQualityReport {
	/** "2026-Q4". */
	quarter: string;
	title: string;
	/** The time zone the quarter's days start in, and the quarter's span [from, to) in epoch ms. */
	zone: string;
	from: number;
	to: number;
	/** When this version was published, and how many times the quarter has been published (1 for the first). */
	publishedAt: number;
	version: number;
	/** The declared policy: paragraphs of plain text, then how uptime is counted. */
	policy: string[];
	targets: Array<{
		id: TargetId;
		name: string;
		/** The figure must be under (`<`) or at least (`>=`) the level. */
		op: '<' | '>=';
		level: number;
		/** null: no data in the quarter. */
		figure: number | null;
		met: boolean | null;
		/** The plan's next, stricter level from a day ('YYYY-MM-DD'), when it starts after the quarter did; absent in reports published before stages existed. */
		next?: { level: number; from: string } | null;
	}>;
	/** The uptime objective every service is held to. */
	uptimeObjective: number;
	/** Published services only (`quality.services`), by display name, in the config's order. */
	services: Array<{ name: string; availability: number | null; met: boolean | null }>;
	incidents: { count: number; mttaMs: number | null; mttrMs: number | null };
	/** Complaints created in the quarter per category, and in the quarter before. */
	complaints: { total: number; previousTotal: number; categories: Array<{ category: string; count: number; previous: number }> };
}

/** What the store holds per quarter: the public form and who published it (never shown publicly). */
interface StoredReport {
	version: number;
	publishedAt: number;
	publishedBy: string;
	report: Omit<PublicQualityReport, 'version' | 'publishedAt'>;
}

/** The public form of a report: only the fields listed here, copied one by one. */
export function toPublic(r: QualityReport, names: Record<string, string>): Omit<PublicQualityReport, 'version' | 'publishedAt'> {
	const order = Object.keys(names);
	const services = r.services
		.filter((s) => s.displayName !== null)
		.sort((a, b) => order.indexOf(a.service) - order.indexOf(b.service))
		.map((s) => ({ name: s.displayName!, availability: s.availability, met: s.met }));
	return {
		quarter: r.quarter,
		title: r.title,
		zone: r.zone,
		from: r.from,
		to: r.to,
		policy: [...r.policy, `Uptime: ${r.uptimePolicy}.`],
		targets: r.targets.map((t) => ({ id: t.id, name: t.name, op: t.op, level: t.level, figure: t.figure, met: t.met, next: t.next ? { level: t.next.level, from: t.next.from } : null })),
		uptimeObjective: r.uptimeObjective,
		services,
		incidents: { count: r.incidents.count, mttaMs: r.incidents.mttaMs, mttrMs: r.incidents.mttrMs },
		complaints: {
			total: r.complaints.total,
			previousTotal: r.complaints.previousTotal,
			categories: r.complaints.categories.map((c) => ({ category: c.category === '' ? 'Uncategorised' : c.category, count: c.count, previous: c.previous }))
		}
	};
}

/** KEYS: published hash, versions hash. ARGV: quarter, the stored JSON without its version (starting with "{"). Returns the new version. */
const PUBLISH = `
local v = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('HSET', KEYS[1], ARGV[1], '{"version":' .. v .. ',' .. string.sub(ARGV[2], 2))
return v`;

/** A published quarter as the page lists it: the public form and who published it. */
export interface PublishedEntry {
	report: PublicQualityReport;
	publishedBy: string;
}

/** The published quality reports in Redis. */
export class PublishedQualityReports {
	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys
	) {}

	/** Stores (or replaces) a quarter's public snapshot; returns the version it got. */
	async publish(report: Omit<PublicQualityReport, 'version' | 'publishedAt'>, by: string, at: number): Promise<number> {
		const body = JSON.stringify({ publishedAt: at, publishedBy: by, report } satisfies Omit<StoredReport, 'version'>);
		return Number(await this.redis.eval(PUBLISH, 2, this.keys.quality.published, this.keys.quality.versions, report.quarter, body));
	}

	/** Removes a quarter from the published ones; false when it was not published. Its version count stays. */
	async withdraw(quarter: string): Promise<boolean> {
		return (await this.redis.hdel(this.keys.quality.published, quarter)) > 0;
	}

	async entry(quarter: string): Promise<PublishedEntry | null> {
		const raw = await this.redis.hget(this.keys.quality.published, quarter);
		return raw === null ? null : entryOf(raw);
	}

	/** Every published quarter, newest quarter first. */
	async entries(): Promise<PublishedEntry[]> {
		const all = await this.redis.hgetall(this.keys.quality.published);
		return Object.values(all)
			.map(entryOf)
			.sort((a, b) => compareQuarters(b.report.quarter, a.report.quarter));
	}
}

function entryOf(raw: string): PublishedEntry {
	const s = JSON.parse(raw) as StoredReport;
	return { report: { ...s.report, publishedAt: s.publishedAt, version: s.version }, publishedBy: s.publishedBy };
}

/** The published reports for the public status page, newest quarter first (no publisher). */
export async function listPublishedQualityReports(redis: Redis, keys: Keys): Promise<PublicQualityReport[]> {
	return (await new PublishedQualityReports(redis, keys).entries()).map((e) => e.report);
}

/** One published report for the public status page ("2026-Q4"), or null when it is not published. */
export async function readPublishedQualityReport(redis: Redis, keys: Keys, quarter: string): Promise<PublicQualityReport | null> {
	return (await new PublishedQualityReports(redis, keys).entry(quarter.toUpperCase()))?.report ?? null;
}
