import { describe, expect, it } from 'vitest';
import { liveRefusal } from '../../shared/live';
import { parseRevocation } from '../auth/revocation';
import { sessionHash } from '../auth/sessions';
import { AddressSlots, limitRefusal, revokes, type LiveGrant } from './live-access';

describe('AddressSlots', () => {
	it('holds at most `max` slots per address, and gives each back once', () => {
		const slots = new AddressSlots(2);
		const a1 = slots.take('10.0.0.1');
		const a2 = slots.take('10.0.0.1');
		expect(a1 && a2).toBeTruthy();
		expect(slots.take('10.0.0.1')).toBeNull();
		expect(slots.take('10.0.0.2')).not.toBeNull();
		a1!();
		a1!();
		expect(slots.count('10.0.0.1')).toBe(1);
		expect(slots.take('10.0.0.1')).not.toBeNull();
		expect(slots.take('10.0.0.1')).toBeNull();
	});

	it('forgets an address once it holds nothing', () => {
		const slots = new AddressSlots(1);
		slots.take('10.0.0.1')!();
		expect(slots.addresses).toBe(0);
	});

	it('refuses in the shape screens understand, naming the limit', () => {
		const r = limitRefusal(7);
		expect(liveRefusal.parse(r)).toEqual(r);
		expect(r).toMatchObject({ reason: 'limit', retry: true });
		expect(r.message).toContain('at most 7');
	});
});

describe('revokes', () => {
	const id = 'A'.repeat(43);
	const session: LiveGrant = { kind: 'session', sessionId: id, user: 'alice', role: 'viewer', board: 'default' };
	const kiosk: LiveGrant = { kind: 'kiosk', token: 'vgk_x', kioskId: 'abcd1234', kioskName: 'lobby', board: 'default' };

	it('matches a user, a session by its hash, and a kiosk token by id; nothing else', () => {
		const msg = (text: object) => parseRevocation(JSON.stringify(text))!;
		expect(revokes(session, msg({ type: 'revoke', user: 'alice' }))).toBe(true);
		expect(revokes(session, msg({ type: 'revoke', user: 'bob' }))).toBe(false);
		expect(revokes(session, msg({ type: 'revoke', session: sessionHash(id) }))).toBe(true);
		expect(revokes(session, msg({ type: 'revoke', session: sessionHash('B'.repeat(43)) }))).toBe(false);
		expect(revokes(session, msg({ type: 'revoke', kiosk: 'abcd1234' }))).toBe(false);
		expect(revokes(kiosk, msg({ type: 'revoke', kiosk: 'abcd1234' }))).toBe(true);
		expect(revokes(kiosk, msg({ type: 'revoke', kiosk: 'zzzz9999' }))).toBe(false);
		expect(revokes(kiosk, msg({ type: 'revoke', user: 'alice' }))).toBe(false);
	});

	it('ignores other control messages and malformed ones', () => {
		for (const text of ['{"type":"reload","by":"x"}', '{"type":"rules","revision":3}', 'not json', '{"type":"revoke"}', '{"type":"revoke","session":"short"}', '{"type":"revoke","user":"a","extra":1}']) {
			expect(parseRevocation(text), text).toBeNull();
		}
	});
});
