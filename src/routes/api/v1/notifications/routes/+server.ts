/**
 * GET /api/v1/notifications/routes: the route tree with everything inherited filled in (as the
 * dispatcher uses it), and, with `?labels={"service":"payments",...}`, the routes an alert with
 * those labels would take. Needs `rules:read`.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { groupLabelsOf, matchRoutes, type Route } from '$lib/server/alerting/notify';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import type { RequestHandler } from './$types';

const labels = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a label name'), z.string());

function show(r: Route): Record<string, unknown> {
	return {
		id: r.id,
		receiver: r.receiver,
		group_by: r.groupBy ?? ['...'],
		group_wait_ms: r.groupWaitMs,
		group_interval_ms: r.groupIntervalMs,
		repeat_interval_ms: r.repeatIntervalMs,
		matchers: r.matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`),
		continue: r.continue,
		routes: r.routes.map(show)
	};
}

export const GET: RequestHandler = async (event) => {
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	const route = getContext().notificationRoute;
	const text = event.url.searchParams.get('labels');
	if (text === null) return json({ route: show(route) });
	let parsed: z.output<typeof labels>;
	try {
		const r = labels.safeParse(JSON.parse(text));
		if (!r.success) return json({ error: `labels.${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}` }, { status: 400 });
		parsed = r.data;
	} catch {
		return json({ error: 'labels: expected a JSON object of label names to values, e.g. {"service":"payments"}' }, { status: 400 });
	}
	return json({ route: show(route), matches: matchRoutes(route, parsed).map((r) => ({ id: r.id, receiver: r.receiver, groupLabels: groupLabelsOf(r, parsed) })) });
};
