/** The report settings and retention of the running process (defaults when it has none). */
import { getContext } from '../web/context';
import { DEFAULT_RETENTION, type Retention } from '../tsdb/types';
import { DEFAULT_REPORT_SETTINGS, type ReportSettings } from './load';

export function reportSettings(): { settings: ReportSettings; retention: Retention } {
	return getContext().reports ?? { settings: DEFAULT_REPORT_SETTINGS, retention: DEFAULT_RETENTION };
}
