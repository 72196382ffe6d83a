import { describe, expect, it } from 'vitest';
import { auditCsv, maskSecrets } from './audit';

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
