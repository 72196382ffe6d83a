import { describe, expect, it } from 'vitest';
import { parseSilenceInput, silenceSpan, silenceState, silenceView, storedSilence, type Silence } from './silences';

const now = Date.UTC(2026, 5, 1, 12);
const H = 3_600_000;

describe('silence state', () => {
	it('is pending before the start, active from it, expired from the end', () => {
		const s = { startsAt: now, endsAt: now + H };
		expect(silenceState(s, now - 1)).toBe('pending');
		expect(silenceState(s, now)).toBe('active');
		expect(silenceState(s, now + H - 1)).toBe('active');
		expect(silenceState(s, now + H)).toBe('expired');
	});

	it('is shown with its state and its matchers as text; the view is a valid stored silence plus those', () => {
		const s: Silence = { id: 'a', matchers: [{ name: 'service', op: '=', value: 'payments' }], startsAt: now, endsAt: now + H, createdBy: 'user:ana', comment: 'deploy', createdAt: now, updatedAt: now };
		const v = silenceView(s, now);
		expect(v).toMatchObject({ state: 'active', matchersText: '{service="payments"}' });
		expect(storedSilence.safeParse(s).success).toBe(true);
		expect(storedSilence.safeParse({ ...s, matchers: [] }).success).toBe(false);
	});
});

describe('silence input', () => {
	const base = { matchers: '{service="payments"}', comment: 'deploy of 2.4', endsAt: '2026-06-01T14:00:00Z' };

	it('reads matchers, RFC 3339 or unix-second times, or a duration; ignores createdBy', () => {
		expect(parseSilenceInput(base)).toEqual({ matchers: [{ name: 'service', op: '=', value: 'payments' }], startsAt: undefined, endsAt: Date.UTC(2026, 5, 1, 14), comment: 'deploy of 2.4' });
		expect(parseSilenceInput({ ...base, endsAt: undefined, startsAt: 1_780_000_000, duration: '1h30m', createdBy: 'someone else' })).toMatchObject({ startsAt: 1_780_000_000_000, durationMs: 5_400_000 });
	});

	it.each([
		[{ ...base, comment: '  ' }, 'comment: required (say why these alerts are silenced)'],
		[{ ...base, comment: undefined }, 'comment: required'],
		[{ ...base, endsAt: undefined }, 'endsAt: required (or give duration, e.g. "2h")'],
		[{ ...base, duration: '2h' }, 'duration: give endsAt or duration, not both'],
		[{ ...base, endsAt: 'tomorrow' }, 'endsAt: expected RFC 3339 (2026-11-01T02:00:00Z) or unix seconds, got "tomorrow"'],
		[{ ...base, endsAt: undefined, duration: '-1h' }, 'duration: expected a duration such as "2h"'],
		[{ ...base, matchers: 'up' }, 'matchers: "up" is a bare metric name'],
		[{ ...base, id: 'x' }, 'id: unknown field'],
		[[base], 'body: expected a JSON object']
	])('refuses %j', (body, message) => {
		expect(() => parseSilenceInput(body)).toThrow(message);
	});
});

describe('silence span', () => {
	it('starts now when no start is given or the start has passed; a duration counts from the start', () => {
		expect(silenceSpan({ durationMs: H }, now)).toEqual({ startsAt: now, endsAt: now + H });
		expect(silenceSpan({ startsAt: now - H, endsAt: now + H }, now)).toEqual({ startsAt: now, endsAt: now + H });
		expect(silenceSpan({ startsAt: now + H, durationMs: H }, now)).toEqual({ startsAt: now + H, endsAt: now + 2 * H });
	});

	it('keeps the current start of the silence being changed', () => {
		expect(silenceSpan({ endsAt: now + H }, now, now - H)).toEqual({ startsAt: now - H, endsAt: now + H });
		expect(silenceSpan({ startsAt: now - H, endsAt: now + H }, now, now - H)).toEqual({ startsAt: now - H, endsAt: now + H });
		// Sent back without its milliseconds (RFC 3339 or unix seconds), it is still the same start.
		expect(silenceSpan({ startsAt: now - H, endsAt: now + H }, now, now - H + 250)).toEqual({ startsAt: now - H + 250, endsAt: now + H });
		expect(silenceSpan({ startsAt: now - 2 * H, endsAt: now + H }, now, now - H)).toEqual({ startsAt: now, endsAt: now + H });
	});

	it('refuses an end before the start, or in the past', () => {
		expect(() => silenceSpan({ startsAt: now + 2 * H, endsAt: now + H }, now)).toThrow('endsAt: must be after startsAt');
		expect(() => silenceSpan({ endsAt: now - H }, now)).toThrow('endsAt: must be after startsAt');
		expect(() => silenceSpan({ durationMs: H }, now, now - 2 * H)).toThrow('endsAt: must be in the future (to end a silence now, expire it)');
	});
});
