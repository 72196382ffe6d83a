/** The report settings and retention of the running process (defaults when it has none). */
import type { Redis } from 'ioredis';
import type { AuditLog } from '../../audit';
import type { Keys } from '../../keys';
import type { Logger } from '../../log';
import { DEFAULT_RETENTION, type Retention, type TimeSeriesStore } from '../../tsdb';
import { DEFAULT_REPORT_SETTINGS, type ReportSettings } from './load';

export interface ReportSettingsSource {
	/** The config's `reports` section and the store's retention; absent: the defaults. */
	reports?: { settings: ReportSettings; retention: Retention };
}

/** What the report and incident read models read: Redis, the time-series store, the settings. */
export interface ReportDeps extends ReportSettingsSource {
	redis: Redis;
	keys: Keys;
	audit: AuditLog;
	store: TimeSeriesStore;
	log: Logger;
}

export function reportSettings(deps: ReportSettingsSource): { settings: ReportSettings; retention: Retention } {
	return deps.reports ?? { settings: DEFAULT_REPORT_SETTINGS, retention: DEFAULT_RETENTION };
}
