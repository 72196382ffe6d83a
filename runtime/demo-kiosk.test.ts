import { describe, expect, it } from 'vitest';
import { DEFAULT_BOARD } from '../src/lib/shared/boards';
import { demoKioskBoard, wantsDemoKiosk } from './start';

describe('the demo kiosk link', () => {
	it('is made by a web process that runs the demo shop, and by no other', () => {
		expect(wantsDemoKiosk({ demoShop: { enabled: true } } as never, ['web', 'collect', 'alerts'])).toBe(true);
		expect(wantsDemoKiosk({ demoShop: { enabled: true } } as never, ['collect', 'alerts'])).toBe(false);
		expect(wantsDemoKiosk({ demoShop: { enabled: false } } as never, ['web'])).toBe(false);
	});

	it("opens the config's first board of tiles, else the board default", () => {
		expect(demoKioskBoard({ wall: { boards: [{ name: 'demo-shop' }, { name: 'ops' }] } } as never)).toBe('demo-shop');
		expect(demoKioskBoard({ wall: { boards: [] } } as never)).toBe(DEFAULT_BOARD);
	});
});
