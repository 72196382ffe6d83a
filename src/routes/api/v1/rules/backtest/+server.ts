/**
 * POST /api/v1/rules/backtest: replays a stored rule (and optionally a draft of it) over stored
 * history with the alert state machine, and answers with the pending and firing spans per
 * instance, the notifications it would have sent, and the comparison. Needs an API token with the
 * `read` scope.
 *
 * Body: {"rule": "shop/CheckoutSlow", "from": "2026-11-01T00:00:00Z" | 1730419200,
 *        "to": ..., "draft": "alert: CheckoutSlow\nexpr: ...", "interval": "30s"}
 *
 * With `Accept: application/x-ndjson` the answer is a stream of JSON lines, so a page can show
 * progress while a long window replays: `{"progress": "loading 7d of data ..."}` lines, then one
 * `{"result": {...}}` or `{"error": "...", "status": 400}` line.
 */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { BacktestInputError, runBacktest } from '$lib/server/views';
import { RuleRepository } from '$lib/server/alerting/ruleset';
import { requirePermission } from '$lib/server/web/http';
import { getContext } from '$lib/server/web/context';
import { BodyTooLargeError, readLimited } from '$lib/server/http-body';
import { postOnly } from '$lib/server/web/method';
import { parseDuration } from '$lib/shared/duration';
import { parseTimestamp } from '$lib/shared/time-arg';
import type { RequestHandler } from './$types';

const time = z.union([z.number(), z.string()]).transform((v, ctx) => {
	const ms = typeof v === 'number' ? (Number.isFinite(v) ? Math.round(v * 1000) : null) : parseTimestamp(v);
	if (ms === null) {
		ctx.addIssue({ code: 'custom', message: `expected RFC 3339 or unix seconds, got ${JSON.stringify(v)}` });
		return z.NEVER;
	}
	return ms;
});

const body = z.strictObject({
	rule: z.string().min(1).max(300),
	from: time,
	to: time,
	draft: z.string().max(64 * 1024).optional(),
	interval: z
		.string()
		.transform((v, ctx) => {
			const ms = parseDuration(v);
			if (ms === null) {
				ctx.addIssue({ code: 'custom', message: `expected a duration like "30s", got ${JSON.stringify(v)}` });
				return z.NEVER;
			}
			return ms;
		})
		.optional()
});

export const POST: RequestHandler = async (event) => {
	const { request } = event;
	const ctx = getContext();
	const auth = await requirePermission(event, 'rules:read');
	if (!auth.ok) return auth.response;
	let parsed: z.output<typeof body>;
	try {
		const text = await readLimited(request, 128 * 1024);
		const r = body.safeParse(JSON.parse(text));
		if (!r.success) {
			const issue = r.error.issues[0]!;
			return json({ error: `${issue.path.join('.') || 'body'}: ${issue.message}` }, { status: 400 });
		}
		parsed = r.data;
	} catch (err) {
		if (err instanceof BodyTooLargeError) return json({ error: err.message }, { status: 413 });
		return json({ error: `the body is not JSON: ${(err as Error).message}` }, { status: 400 });
	}
	const run = (progress?: (message: string) => void) =>
		runBacktest(
			{ store: ctx.store, rules: new RuleRepository(ctx.redis, ctx.keys), defaultGroupIntervalMs: ctx.defaultGroupIntervalMs },
			{ rule: parsed.rule, from: parsed.from, to: parsed.to, draft: parsed.draft, intervalMs: parsed.interval, progress }
		);
	if ((request.headers.get('accept') ?? '').includes('application/x-ndjson')) return streamed(run, (err) => ctx.log.error({ err: (err as Error).message, rule: parsed.rule }, 'backtest failed'));
	try {
		return json(await run());
	} catch (err) {
		if (err instanceof BacktestInputError) return json({ error: err.message }, { status: 400 });
		throw err;
	}
};

/** The backtest as JSON lines: progress messages as they come, then the result or the error. */
function streamed(run: (progress: (message: string) => void) => Promise<unknown>, failed: (err: unknown) => void): Response {
	const encoder = new TextEncoder();
	const body = new ReadableStream<Uint8Array>({
		async start(controller) {
			const line = (v: unknown) => controller.enqueue(encoder.encode(JSON.stringify(v) + '\n'));
			const started = performance.now();
			try {
				const result = await run((message) => line({ progress: message, elapsedMs: Math.round(performance.now() - started) }));
				line({ result });
			} catch (err) {
				if (err instanceof BacktestInputError) line({ error: err.message, status: 400 });
				else {
					failed(err);
					line({ error: 'the backtest failed on the server; see its log', status: 500 });
				}
			}
			controller.close();
		}
	});
	return new Response(body, { headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' } });
}

export const fallback: RequestHandler = postOnly;
