/**
 * What the /silences and /maintenance pages share: times in the page's zone (reports.timeZone) as
 * `<input type="datetime-local">` reads and writes them, form fields, the current alerts a set of
 * matchers holds now (for "mutes now" and "covers now"), and refusals of the stores as form
 * failures that name the field.
 */
import { fail } from '@sveltejs/kit';
import type { CurrentAlert } from '../alerting/state';
import { parseZonedTime } from '../alerting/muting';
import { compileMatchers, type Matcher } from '../alerting/muting';
import { toLocal } from '../alerting/muting';
import { refusalStatus } from '../alerting/muting';
import { rulePathOfId } from '../../shared/rule-rows';

/** Most alerts listed per silence or window (the rest are counted). */
export const ALERTS_SHOWN = 20;

/** "2026-12-07T14:05", the wall-clock minute of an instant in a zone (what datetime-local shows). */
export function localInput(ms: number, zone: string): string {
	return new Date(toLocal(zone, ms)).toISOString().slice(0, 16);
}

/** A datetime-local field read in the zone; undefined when blank. */
export function zonedField(value: string, field: string, zone: string): number | undefined {
	return value.trim() === '' ? undefined : parseZonedTime(value.trim(), field, zone);
}

/** A text field of a form, cut at `max` characters ('' when absent). */
export function formText(form: FormData, name: string, max = 4096): string {
	const v = form.get(name);
	return typeof v === 'string' ? v.slice(0, max) : '';
}

/** An alert as the pages list it. */
export interface AlertRow {
	ruleId: string;
	rulePage: string;
	state: CurrentAlert['state'];
	labels: string;
}

function labelText(labels: Record<string, string>): string {
	return Object.entries(labels)
		.map(([k, v]) => `${k}=${JSON.stringify(v)}`)
		.join(', ');
}

/** The current alerts the matchers match: the first ALERTS_SHOWN (firing first) and how many in all. */
export function alertsMatching(alerts: readonly CurrentAlert[], matchers: readonly Matcher[]): { alerts: AlertRow[]; total: number } {
	let test: (labels: Record<string, string>) => boolean;
	try {
		test = compileMatchers(matchers);
	} catch {
		return { alerts: [], total: 0 };
	}
	const hit = alerts.filter((a) => test(a.labels));
	const order = (s: string) => (s === 'firing' ? 0 : s === 'pending' ? 1 : 2);
	hit.sort((a, b) => order(a.state) - order(b.state));
	return {
		alerts: hit.slice(0, ALERTS_SHOWN).map((a) => ({ ruleId: a.ruleId, rulePage: rulePathOfId(a.ruleId), state: a.state, labels: labelText(a.labels) })),
		total: hit.length
	};
}

/**
 * A refusal of the silence and window stores as a form failure: 400 (bad input: `field` names it),
 * 404 or 409; `values` goes back to refill the form. Anything else is thrown on.
 */
export function refusedForm(err: unknown, values: Record<string, unknown> | null) {
	const status = refusalStatus(err);
	if (status === null) throw err;
	const field = (err as { field?: unknown }).field;
	return fail(status, { error: (err as Error).message, field: typeof field === 'string' ? field : null, values });
}
