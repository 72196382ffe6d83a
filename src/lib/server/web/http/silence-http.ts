/**
 * What the silence and maintenance-window API routes share: the stores over the running process's
 * Redis (corrupt entries logged, not thrown), who makes a change, reading a JSON body, parsing the
 * `state` query, and turning refusals into 400/404/409 JSON `{error}`.
 */
import { json, type RequestEvent } from '@sveltejs/kit';
import { z } from 'zod';
import { actorOf, type Principal } from '../../auth';
import { getContext } from '../context';
import { readJson } from '../json-body';
import { MaintenanceStore, RECORD_ID, refusalStatus, type ChangeBy, SilenceStore } from '../../alerting/muting';

export function silenceStore(): SilenceStore {
	const ctx = getContext();
	return new SilenceStore(ctx.redis, ctx.keys, ctx.audit, { onBad: (id, problem) => ctx.log.warn({ id, problem }, 'skipped a silence that does not parse') });
}

export function maintenanceStore(): MaintenanceStore {
	const ctx = getContext();
	return new MaintenanceStore(ctx.redis, ctx.keys, ctx.audit, {
		onBad: (id, problem) => ctx.log.warn({ id, problem }, 'skipped a maintenance window that does not parse')
	});
}

export function changeBy(event: Pick<RequestEvent, 'getClientAddress'>, principal: Principal): ChangeBy {
	return { actor: actorOf(principal), ip: event.getClientAddress() };
}

/** The request's JSON body (415/413/400 as readJson answers); the fields are checked by the stores' parsers. */
export function readBody(request: Request): ReturnType<typeof readJson<z.ZodUnknown>> {
	return readJson(request, z.unknown());
}

/** A refusal of the stores or parsers as JSON `{error}`; anything else is thrown on. */
export function refused(err: unknown): Response {
	const status = refusalStatus(err);
	if (status === null) throw err;
	return json({ error: (err as Error).message }, { status });
}

/** 404 for a path id that cannot be one. */
export function badId(id: string, what: string): Response | null {
	return RECORD_ID.test(id) ? null : json({ error: `no ${what} with id ${JSON.stringify(id.slice(0, 80))}` }, { status: 404 });
}

/**
 * The `state` query of a list: one or more of `states` (comma-separated) or `all`; `fallback` when
 * absent. Answers the states, or a 400 response.
 */
export function stateQuery<S extends string>(url: URL, states: readonly S[], fallback: readonly S[]): readonly S[] | Response {
	const text = url.searchParams.get('state');
	if (text === null || text === '') return fallback;
	if (text === 'all') return states;
	const asked = text.split(',').map((s) => s.trim());
	const bad = asked.find((s) => !(states as readonly string[]).includes(s));
	if (bad !== undefined) return json({ error: `state: expected ${states.join(', ')} or all (comma-separated), got ${JSON.stringify(bad.slice(0, 40))}` }, { status: 400 });
	return asked as S[];
}

/** Most items one list answer holds. */
export const MAX_PAGE = 1000;

/**
 * `limit` (1..MAX_PAGE, default MAX_PAGE) and `offset` (default 0) of a list; a 400 response when
 * either is not a whole number in range.
 */
export function pageQuery(url: URL): { limit: number; offset: number } | Response {
	const read = (name: string, fallback: number, min: number, max: number): number | string => {
		const text = url.searchParams.get(name);
		if (text === null || text === '') return fallback;
		const n = Number(text);
		return /^\d+$/.test(text) && n >= min && n <= max ? n : `${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text.slice(0, 40))}`;
	};
	const limit = read('limit', MAX_PAGE, 1, MAX_PAGE);
	const offset = read('offset', 0, 0, Number.MAX_SAFE_INTEGER);
	if (typeof limit === 'string') return json({ error: limit }, { status: 400 });
	if (typeof offset === 'string') return json({ error: offset }, { status: 400 });
	return { limit, offset };
}

export const NO_STORE = { 'cache-control': 'no-store' };
