import { describe, expect, it } from 'vitest';
import { auditCsv, auditSummary, maskSecrets } from './audit';

describe('audit masking', () => {
	it('masks hashes, secrets and the passwords of URLs, at any depth', () => {
		expect(
			maskSecrets({
				name: 'alice',
				hash: 'scrypt$...',
				nested: [{ token: 'vgl_x', url: 'redis://user:hunter2@db:6379/0', plain: 'https://example.com/a' }]
			})
		).toEqual({ name: 'alice', hash: '***', nested: [{ token: '***', url: 'redis://user:***@db:6379/0', plain: 'https://example.com/a' }] });
	});

	it('writes CSV that spreadsheets read as text', () => {
		const csv = auditCsv([{ id: '1-0', at: 0, actor: 'user:a', action: 'user.create', target: '=cmd()', after: { role: 'admin', note: 'a,"b"' } }]);
		expect(csv.split('\r\n')[1]).toBe(`1-0,1970-01-01T00:00:00.000Z,user:a,user.create,'=cmd(),,,"{""role"":""admin"",""note"":""a,\\""b\\""""}"`);
	});
});

describe('audit summary', () => {
	it('names what changed, what was made and what was removed, briefly', () => {
		expect(auditSummary({ before: { name: 'a', role: 'viewer', updatedAt: 1 }, after: { name: 'a', role: 'admin', updatedAt: 2 } })).toBe('role: viewer → admin');
		expect(auditSummary({ after: { name: 'a', id: 'x', role: 'engineer', createdAt: 1 } })).toBe('+ name=a, role=engineer');
		expect(auditSummary({ before: { name: 'a', role: 'viewer' } })).toBe('− name=a, role=viewer');
		expect(auditSummary({ before: { id: 'k', name: 'wall' }, after: { revokedAt: 5 } })).toBe('revokedAt: — → 5');
		// Times read as times, never as epoch milliseconds; other numbers stay numbers.
		expect(auditSummary({ before: { id: 'k', name: 'wall' }, after: { revokedAt: 1765112400000 } })).toBe('revokedAt: — → 2025-12-07T13:00:00.000Z');
		expect(auditSummary({ after: { name: 'lobby', expiresAt: 1765112400000, count: 1765112400000 } }, 140, (ms) => `t${ms / 1000}`)).toBe('+ name=lobby, expiresAt=t1765112400, count=1765112400000');
		expect(auditSummary({ before: { until: 1765112400000 }, after: { until: 1765116000000 } }, 140, () => 'T')).toBe('until: T → T');
		expect(auditSummary({ after: { note: 'x'.repeat(300) } }, 20)).toHaveLength(20);
		expect(auditSummary({})).toBe('');
	});
});
