/**
 * The wall's own screens, watched: every web process records the heartbeats of its watched screens
 * (board, viewport, render time) in one Redis hash, and every report writes, for each watched
 * screen heard within a day, `wall_screen_up{screen,board}` (1 while it sent a heartbeat within
 * `downAfterMs`, else 0) and `wall_screen_render_seconds{screen,board}`. The rule
 * `wall_screen_down` (rules/vigil.rules.yml) fires on `wall_screen_up == 0`: the system knows when
 * its display is dead.
 *
 * Which screens are watched is decided by the server, never by what a client sends:
 * - a kiosk link is one screen (field `kiosk:<link id>`, labels `screen` = the link's name and
 *   `link` = its id). Any number of connections with the link keep that one screen up, so made-up
 *   heartbeats cannot create screens; give each physical screen its own link;
 * - a logged-in browser is a person's tab, and closing it is not an outage: it is watched only
 *   when its page says it is a wall screen (`/wall/<board>?screen=<name>`), as `user:<user>/<name>`,
 *   at most SESSION_SCREENS_PER_USER per user.
 * A revoked or expired link's screen is forgotten at once (`forgetKiosk`, on the revocation
 * announcement) and at the latest at the next report, which checks every link it watches: its
 * series get a stale marker, so `wall_screen_down` resolves instead of firing for a day.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '../keys';
import type { SeriesSamples, TimeSeriesStore } from '../tsdb';

/** A screen silent this long is down. */
export const SCREEN_DOWN_AFTER_MS = 2 * 60_000;
/** A screen not heard for this long is forgotten (its series end). */
export const SCREEN_FORGET_AFTER_MS = 24 * 3600_000;
/** Most screens reported. */
const MAX_SCREENS = 10_000;
/** Most declared screens (`?screen=`) of one logged-in user. */
export const SESSION_SCREENS_PER_USER = 5;

const saved = z.object({
	board: z.string().max(64),
	at: z.number(),
	/** The screen's label: the kiosk link's name, or the name a session's page declared. */
	name: z.string().min(1).max(100),
	/** The kiosk link's id, for screens of a link. */
	kiosk: z.string().max(40).optional(),
	viewport: z.object({ w: z.number(), h: z.number() }).optional(),
	renderMs: z.number().optional()
});
export type ScreenBeat = z.infer<typeof saved>;

/** Who sent a heartbeat, as the server knows it from the connection's credential. */
export type ScreenOwner = { kind: 'kiosk'; kioskId: string; name: string } | { kind: 'session'; user: string; declared: string | undefined };

/** The hash field of a watched screen, or null when the connection is not a watched screen. */
export function screenKey(owner: ScreenOwner): string | null {
	if (owner.kind === 'kiosk') return `kiosk:${owner.kioskId}`;
	return owner.declared ? `user:${owner.user}/${owner.declared}` : null;
}

/** What the report needs to know of the kiosk links it watches. */
export interface KioskLookup {
	/** Whether each link id is still active (not revoked, not expired, not deleted). */
	active(ids: string[], now: number): Promise<boolean[]>;
}

function labelsOf(beat: ScreenBeat): Record<string, string> {
	return beat.kiosk ? { screen: beat.name, board: beat.board, link: beat.kiosk } : { screen: beat.name, board: beat.board };
}

/** Labels of a saved entry of an older version (a screen id the client chose): only `screen` and `board`. */
const legacy = z.object({ board: z.string().max(64), at: z.number() });

export class WallScreens {
	/** Heartbeats since the last report, by screen. */
	private readonly heard = new Map<string, ScreenBeat>();
	/** Declared screens of logged-in users this process knows (saved ones included), for the per-user cap. */
	private readonly declared = new Set<string>();

	constructor(
		private readonly redis: Redis,
		private readonly keys: Keys,
		private readonly store: TimeSeriesStore,
		private readonly downAfterMs = SCREEN_DOWN_AFTER_MS,
		private readonly kiosks?: KioskLookup
	) {}

	/**
	 * A heartbeat of a connection (kept in memory until the next report; the newest per screen).
	 * Returns false when the connection is not a watched screen, or a user has too many.
	 */
	beat(owner: ScreenOwner, beat: Omit<ScreenBeat, 'name' | 'kiosk'>): boolean {
		const key = screenKey(owner);
		if (!key) return false;
		if (!this.heard.has(key)) {
			if (this.heard.size >= MAX_SCREENS) return false;
			if (owner.kind === 'session' && !this.declared.has(key)) {
				let mine = 0;
				for (const k of this.declared) if (k.startsWith(`user:${owner.user}/`)) mine++;
				if (mine >= SESSION_SCREENS_PER_USER || this.declared.size >= MAX_SCREENS) return false;
				this.declared.add(key);
			}
		}
		const name = owner.kind === 'kiosk' ? owner.name : owner.declared!;
		this.heard.set(key, { ...beat, name, ...(owner.kind === 'kiosk' ? { kiosk: owner.kioskId } : {}) });
		return true;
	}

	/** Forgets a kiosk link's screen now (it was revoked): its series end with a stale marker. */
	async forgetKiosk(kioskId: string, now = Date.now()): Promise<void> {
		const key = `kiosk:${kioskId}`;
		this.heard.delete(key);
		const text = await this.redis.hget(this.keys.wallScreens, key);
		if (text === null) return;
		await this.redis.hdel(this.keys.wallScreens, key);
		const parsed = parseSaved(text);
		if (parsed) await this.store.write(endOf(parsed.labels, now));
	}

	/**
	 * Saves the heartbeats heard, forgets screens silent for a day and screens of links no longer
	 * active, and writes every screen's `wall_screen_up` and `wall_screen_render_seconds`. Returns
	 * the screens (hash fields) by state.
	 */
	async report(now = Date.now()): Promise<{ up: string[]; down: string[] }> {
		if (this.heard.size > 0) {
			const fields: string[] = [];
			for (const [screen, beat] of this.heard) fields.push(screen, JSON.stringify(beat));
			this.heard.clear();
			await this.redis.hset(this.keys.wallScreens, ...fields);
		}
		const all = Object.entries(await this.redis.hgetall(this.keys.wallScreens)).slice(0, MAX_SCREENS);
		const forget: string[] = [];
		const series: SeriesSamples[] = [];
		const out = { up: [] as string[], down: [] as string[] };
		const entries: Array<{ field: string; beat: ScreenBeat }> = [];
		for (const [field, text] of all) {
			const parsed = parseSaved(text, field);
			if (!parsed?.beat || now - parsed.beat.at > SCREEN_FORGET_AFTER_MS) {
				forget.push(field);
				// A screen forgotten after a day of silence ends its series too; so does one saved by an
				// older version (a client-chosen id, watched whatever it was).
				if (parsed) series.push(...endOf(parsed.labels, now));
				continue;
			}
			entries.push({ field, beat: parsed.beat });
		}
		// The per-user cap holds across processes too: a user's newest declared screens are kept.
		const perUser = new Map<string, Array<{ field: string; at: number }>>();
		for (const e of entries) {
			if (!e.field.startsWith('user:')) continue;
			const user = e.field.slice(5, e.field.lastIndexOf('/'));
			perUser.set(user, [...(perUser.get(user) ?? []), { field: e.field, at: e.beat.at }]);
		}
		const over = new Set<string>();
		for (const list of perUser.values()) for (const x of list.sort((a, b) => b.at - a.at).slice(SESSION_SCREENS_PER_USER)) over.add(x.field);
		const links = entries.filter((e) => e.beat.kiosk !== undefined);
		const active = this.kiosks && links.length ? await this.kiosks.active(links.map((e) => e.beat.kiosk!), now) : [];
		const gone = new Set(links.filter((_, i) => this.kiosks && active[i] === false).map((e) => e.field));
		for (const { field, beat } of entries) {
			const labels = labelsOf(beat);
			if (gone.has(field) || over.has(field)) {
				forget.push(field);
				series.push(...endOf(labels, now));
				continue;
			}
			const up = now - beat.at <= this.downAfterMs;
			(up ? out.up : out.down).push(field);
			series.push({ name: 'wall_screen_up', labels, ts: [now], values: [up ? 1 : 0] });
			if (beat.renderMs !== undefined) series.push({ name: 'wall_screen_render_seconds', labels, ts: [now], values: [beat.renderMs / 1000] });
		}
		for (const f of forget) this.declared.delete(f);
		if (forget.length) await this.redis.hdel(this.keys.wallScreens, ...forget);
		if (series.length) await this.store.write(series);
		return out;
	}
}

/** A saved entry; an entry of an older version has labels (its series may need ending) but no beat. */
function parseSaved(text: string, field?: string): { beat: ScreenBeat | null; labels: Record<string, string> } | null {
	try {
		const json: unknown = JSON.parse(text);
		const now = saved.safeParse(json);
		if (now.success) return { beat: now.data, labels: labelsOf(now.data) };
		const old = legacy.safeParse(json);
		if (old.success && field !== undefined) return { beat: null, labels: { screen: field, board: old.data.board } };
		return null;
	} catch {
		return null;
	}
}

/** Stale markers that end a screen's series. */
function endOf(labels: Record<string, string>, now: number): SeriesSamples[] {
	return ['wall_screen_up', 'wall_screen_render_seconds'].map((name) => ({ name, labels, ts: [now], values: [NaN], stale: [0] }));
}

/** Kiosk links' states from their hash (`keys.auth.kiosks`). */
export function kioskLookup(redis: Redis, keys: Keys): KioskLookup {
	return {
		async active(ids, now) {
			const texts = await redis.hmget(keys.auth.kiosks, ...ids);
			return texts.map((t) => {
				if (t === null) return false;
				try {
					const k = JSON.parse(t) as { revokedAt?: number; expiresAt?: number };
					return k.revokedAt === undefined && (k.expiresAt === undefined || k.expiresAt > now);
				} catch {
					return false;
				}
			});
		}
	};
}
