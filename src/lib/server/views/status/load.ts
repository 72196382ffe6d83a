/**
 * Builds the public status page from what is passed in: the store (latest samples and rollups of
 * each public service's selector), the maintenance windows, the firing alerts and open incidents
 * (to tell whether one concerns a service), the incidents with public updates, and the published
 * quarterly reports. Uptime and the daily bars are the reports' own computation
 * (`selectorUptime`), over the last STATUS_DAYS days in the reports' time zone, so a figure here
 * agrees with /reports for the same days.
 */
import { fromLocal, toLocal, type MaintenanceWindow } from '../../alerting/muting';
import type { PublishedIncident } from '../../alerting/incidents';
import { matchesAll, type Matcher, type TimeSeriesStore } from '../../tsdb';
import type { Labels } from '../../../shared/series';
import { daysOf, policyText, selectorUptime, type Period, type ReportSettings } from '../reports';
import { dayBar, overallState, overallText, publicIncident, publicMaintenance, serviceState, STATE_TEXT, STATUS_DAYS, type PublicService, type PublicStatusPage, type PublishedReportLink } from './model';
import type { StatusServiceQuery } from './settings';

const DAY = 86_400_000;

export interface StatusDeps {
	store: Pick<TimeSeriesStore, 'latest' | 'range' | 'raw' | 'series'>;
	windows: readonly MaintenanceWindow[];
	/** Labels of the alerts firing now. */
	firing: readonly Labels[];
	/** Labels of the alerts of every unresolved incident. */
	openIncidentAlerts: readonly Labels[];
	/** The incidents with public updates: open ones and those of the last `since` ms. */
	published(since: number): Promise<PublishedIncident[]>;
	/**
	 * The published quarterly service-quality reports. The quality-report package's
	 * `listPublishedQualityReports` plugs in here; absent: none (an empty list).
	 */
	qualityReports?: () => Promise<PublishedReportLink[]>;
	now: number;
}

export interface StatusOptions {
	title: string;
	services: readonly StatusServiceQuery[];
	/** The reports' settings: the uptime policy and the time zone of days. */
	report: ReportSettings;
}

/** The last STATUS_DAYS days in a zone, today (in progress) last: [start of the first, start of tomorrow). */
export function statusPeriod(zone: string, now: number): Period {
	const local = new Date(toLocal(zone, now));
	const y = local.getUTCFullYear();
	const m = local.getUTCMonth();
	const d = local.getUTCDate();
	return { kind: 'custom', label: 'custom', zone, from: fromLocal(zone, Date.UTC(y, m, d - (STATUS_DAYS - 1))), to: fromLocal(zone, Date.UTC(y, m, d + 1)) };
}

/** True when some labels satisfy the selector's label matchers (its metric name aside); false for a selector of a name only. */
export function concerns(selector: readonly Matcher[], labels: readonly Labels[]): boolean {
	const own = selector.filter((m) => m.name !== '__name__');
	return own.length > 0 && labels.some((l) => matchesAll(l, own));
}

async function service(deps: StatusDeps, options: StatusOptions, period: Period, s: StatusServiceQuery): Promise<PublicService> {
	const [latest, uptime] = await Promise.all([deps.store.latest(s.selector), selectorUptime({ store: deps.store, windows: deps.windows, now: deps.now }, options.report, period, s.selector)]);
	const concerned = concerns(s.selector, deps.firing) || concerns(s.selector, deps.openIncidentAlerts);
	const state = serviceState(latest, deps.now, concerned);
	const bars = uptime ? uptime.daily.map(dayBar) : [];
	// A selector that matches nothing yet: every day without data.
	const days = bars.length ? bars : daysOf(period).map((d) => ({ day: d.label, level: 'nodata' as const, availability: null, partial: false }));
	return { name: s.name, state, stateText: STATE_TEXT[state], uptime: uptime?.seconds.availability ?? null, bars: days };
}

export async function buildStatusPage(deps: StatusDeps, options: StatusOptions): Promise<PublicStatusPage> {
	const period = statusPeriod(options.report.timeZone, deps.now);
	const [services, published, qualityReports] = await Promise.all([
		Promise.all(options.services.map((s) => service(deps, options, period, s))),
		deps.published(deps.now - STATUS_DAYS * DAY),
		deps.qualityReports ? deps.qualityReports() : Promise.resolve([])
	]);
	const state = overallState(services.map((s) => s.state));
	const open = (i: PublishedIncident) => i.endedAt === null;
	const incidents = [...published.filter(open), ...published.filter((i) => !open(i))].map(publicIncident);
	return {
		title: options.title,
		generatedAt: deps.now,
		timeZone: options.report.timeZone,
		state,
		stateText: overallText(services.map((s) => s.state)),
		services,
		incidents,
		maintenance: publicMaintenance(deps.windows, deps.now),
		qualityReports,
		policy: policyText(options.report.policy)
	};
}
