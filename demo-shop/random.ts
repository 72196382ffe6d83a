/** Random draws for the simulation, all from one injectable uniform source (tests pass their own). */

export type Random = () => number;

/** A standard normal draw (Box-Muller). */
export function gaussian(random: Random): number {
	const u = Math.max(random(), 1e-12);
	const v = random();
	return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A count of events with mean `lambda` (Poisson; a rounded normal for large means). */
export function poisson(lambda: number, random: Random): number {
	if (!(lambda > 0)) return 0;
	if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(random)));
	const limit = Math.exp(-lambda);
	let k = 0;
	let p = random();
	while (p > limit && k < 1000) {
		k++;
		p *= random();
	}
	return k;
}

/** A duration around `medianMs`, skewed to the right like real latencies. */
export function jittered(medianMs: number, random: Random, spread = 0.35): number {
	return medianMs * Math.exp(spread * gaussian(random));
}

/** One of `items`, chosen with the given weights. */
export function pick<T>(items: readonly T[], weights: readonly number[], random: Random): T {
	const total = weights.reduce((a, b) => a + b, 0);
	let r = random() * total;
	for (let i = 0; i < items.length; i++) {
		r -= weights[i] ?? 0;
		if (r < 0) return items[i] as T;
	}
	return items[items.length - 1] as T;
}
