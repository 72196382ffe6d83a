/**
 * The wall's own screens, watched: every web process records the heartbeats its screens send
 * (board, viewport, render time) in one Redis hash, and every report writes, for each screen heard
 * within a day, `wall_screen_up{screen,board}` (1 while it sent a heartbeat within `downAfterMs`,
 * else 0) and `wall_screen_render_seconds{screen,board}`. The rule `wall_screen_down`
 * (rules/vigil.rules.yml) fires on `wall_screen_up == 0`: the system knows when its display is dead.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '../keys';
import type { SeriesSamples, TimeSeriesStore } from '../tsdb/types';

/** A screen silent this long is down. */
export const SCREEN_DOWN_AFTER_MS = 2 * 60_000;
/** A screen not heard for this long is forgotten (its series end). */
export const SCREEN_FORGET_AFTER_MS = 24 * 3600_000;
/** Most screens reported. */
const MAX_SCREENS = 10_000;

const saved = z.object({
	board: z.string().max(64),
	at: z.number(),
	viewport: z.object({ w: z.number(), h: z.number() }).optional(),
	renderMs: z.number().optional()
});
export type ScreenBeat = z.infer<typeof saved>;

export class WallScreens {
	/** Heartbeats since the last report, by screen. */
	private readonly heard = new Map<string, ScreenBeat>();

	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys,
		private readonly store: TimeSeriesStore,
		private readonly downAfterMs = SCREEN_DOWN_AFTER_MS
	) {}

	/** A heartbeat (kept in memory until the next report; the newest per screen). */
	beat(screen: string, beat: ScreenBeat): void {
		if (!this.heard.has(screen) && this.heard.size >= MAX_SCREENS) return;
		this.heard.set(screen, beat);
	}

	/**
	 * Saves the heartbeats heard, forgets screens silent for a day, and writes every screen's
	 * `wall_screen_up` and `wall_screen_render_seconds`. Returns the screens by state.
	 */
	async report(now = Date.now()): Promise<{ up: string[]; down: string[] }> {
		if (this.heard.size > 0) {
			const fields: string[] = [];
			for (const [screen, beat] of this.heard) fields.push(screen, JSON.stringify(beat));
			this.heard.clear();
			await this.redis.hset(this.keys.wallScreens, ...fields);
		}
		const all = await this.redis.hgetall(this.keys.wallScreens);
		const forget: string[] = [];
		const series: SeriesSamples[] = [];
		const out = { up: [] as string[], down: [] as string[] };
		for (const [screen, text] of Object.entries(all).slice(0, MAX_SCREENS)) {
			let beat: ScreenBeat;
			try {
				const parsed = saved.safeParse(JSON.parse(text));
				if (!parsed.success) throw new Error('bad');
				beat = parsed.data;
			} catch {
				forget.push(screen);
				continue;
			}
			if (now - beat.at > SCREEN_FORGET_AFTER_MS) {
				forget.push(screen);
				continue;
			}
			const up = now - beat.at <= this.downAfterMs;
			(up ? out.up : out.down).push(screen);
			const labels = { screen, board: beat.board };
			series.push({ name: 'wall_screen_up', labels, ts: [now], values: [up ? 1 : 0] });
			if (beat.renderMs !== undefined) series.push({ name: 'wall_screen_render_seconds', labels, ts: [now], values: [beat.renderMs / 1000] });
		}
		if (forget.length) await this.redis.hdel(this.keys.wallScreens, ...forget);
		if (series.length) await this.store.write(series);
		return out;
	}
}
