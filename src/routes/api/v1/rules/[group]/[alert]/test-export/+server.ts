/**
 * GET /api/v1/rules/<group>/<alert>/test-export?incident=INC-3 (or ?from=&to=): the rule's
 * behaviour over the window as a `promtool test rules` file and its rule file (same directory),
 * from stored history. Answers {ruleFileName, ruleFile, testFileName, testFile, evalTimes,
 * evalAt, startsAt, alerts, promtool, vigilKeys, series, steps, ruleId, from, to, incident?};
 * `&download=test` or `&download=rules` answers one file as an attachment instead. Times: RFC 3339,
 * unix seconds, now, or now-6h. Needs `rules:read`.
 */
import { json } from '@sveltejs/kit';
import { ruleIdOf, notFound } from '$lib/server/web/http';
import { RuleNotFoundError } from '$lib/server/alerting/ruleset';
import { exportRuleTest, TestExportError } from '$lib/server/views';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { parseTimeArg } from '$lib/shared/time-arg';
import type { RequestHandler } from './$types';

const KNOWN = new Set(['incident', 'from', 'to', 'download']);

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const id = ruleIdOf(event.params);
	if (id === null) return json(notFound(`${event.params.group}/${event.params.alert}`).body, { status: 404 });
	const q = event.url.searchParams;
	for (const k of q.keys()) if (!KNOWN.has(k)) return json({ error: `${k.slice(0, 40)}: unknown parameter; expected incident, from, to or download` }, { status: 400 });
	const now = Date.now();
	const time = (name: 'from' | 'to'): number | undefined | Response => {
		const v = q.get(name);
		if (v === null || v === '') return undefined;
		const t = parseTimeArg(v, now);
		return t === null ? json({ error: `${name}: expected RFC 3339, unix seconds, now or now-6h, got ${JSON.stringify(v.slice(0, 40))}` }, { status: 400 }) : t;
	};
	const from = time('from');
	if (from instanceof Response) return from;
	const to = time('to');
	if (to instanceof Response) return to;
	const download = q.get('download');
	if (download !== null && download !== 'test' && download !== 'rules') return json({ error: 'download: expected test or rules' }, { status: 400 });
	const incident = q.get('incident') ?? undefined;
	try {
		const ctx = getContext();
		const r = await exportRuleTest(ctx, { rule: id, ...(incident ? { incident } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), now });
		if (download) {
			const [name, text] = download === 'test' ? [r.testFileName, r.testFile] : [r.ruleFileName, r.ruleFile];
			return new Response(text, { headers: { 'content-type': 'application/yaml; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' } });
		}
		return json(r, { headers: { 'cache-control': 'no-store' } });
	} catch (err) {
		if (err instanceof RuleNotFoundError) return json(notFound(id).body, { status: 404 });
		if (err instanceof TestExportError) return json({ error: err.message }, { status: 400 });
		throw err;
	}
};

export const fallback: RequestHandler = ({ request }) => json({ error: `method ${request.method} is not allowed here; use GET` }, { status: 405, headers: { allow: 'GET' } });
