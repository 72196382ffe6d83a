/**
 * An SLO objective's error budget over its calendar period (the current month or quarter in the
 * reports' time zone), as the wall shows it. The server judges the period's minutes so far (a
 * minute is bad when a series of the objective fails its target in it, good when all meet it;
 * minutes without data count for nothing) and sends the tally; the screen works out what is left.
 *
 * The budget is the period's whole length: a goal of 99 % over a 30-day month allows 7.2 hours of
 * bad minutes, whenever they fall in the month. "Budget left" is 1 − bad time / that allowance.
 */
import { z } from 'zod';

export const sloPeriod = z.object({
	/** The SLO tile (its index on the board) and the objective (its index in the tile). */
	tile: z.number().int().nonnegative(),
	objective: z.number().int().nonnegative(),
	/** "2026-11" (month) or "2026-Q4" (quarter), in `zone`. */
	label: z.string().max(20),
	zone: z.string().max(64),
	/** The period, epoch ms, [from, to). */
	from: z.number(),
	to: z.number(),
	/** Length of a judged step (ms) and the steps judged so far. */
	stepMs: z.number().positive(),
	good: z.number().int().nonnegative(),
	bad: z.number().int().nonnegative(),
	/** End of the last step judged (epoch ms). */
	through: z.number(),
	/** The objective's next stage's start (its `next.from` day's midnight in `zone`, epoch ms), when it has one. */
	nextFrom: z.number().optional()
});
export type SloPeriod = z.infer<typeof sloPeriod>;

export interface PeriodBudget {
	/** Share of the period's budget not spent yet, 0..1. */
	budgetLeft: number;
	/** Good steps / judged steps so far; null before any. */
	compliance: number | null;
	/** Bad time so far and the period's allowance (ms). */
	spentMs: number;
	allowedMs: number;
}

/** What is left of the period's budget for a goal (0 < goal < 1). */
export function periodBudget(p: Pick<SloPeriod, 'from' | 'to' | 'stepMs' | 'good' | 'bad'>, goal: number): PeriodBudget {
	const allowedMs = (1 - goal) * Math.max(0, p.to - p.from);
	const spentMs = p.bad * p.stepMs;
	const budgetLeft = allowedMs > 0 ? Math.max(0, Math.min(1, 1 - spentMs / allowedMs)) : spentMs > 0 ? 0 : 1;
	const judged = p.good + p.bad;
	return { budgetLeft, compliance: judged ? p.good / judged : null, spentMs, allowedMs };
}
