import { describe, expect, it } from 'vitest';
import { wantsDemoKiosk } from './start';

describe('the demo kiosk link', () => {
	it('is made by a web process that runs the demo shop, and by no other', () => {
		expect(wantsDemoKiosk({ demoShop: { enabled: true } } as never, ['web', 'collect', 'alerts'])).toBe(true);
		expect(wantsDemoKiosk({ demoShop: { enabled: true } } as never, ['collect', 'alerts'])).toBe(false);
		expect(wantsDemoKiosk({ demoShop: { enabled: false } } as never, ['web'])).toBe(false);
	});
});
