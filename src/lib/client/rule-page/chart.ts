/**
 * The rule page's charts: an expression's series over a window with the threshold line and, for a
 * rule with hysteresis, the clear line. Chart.js on a canvas, created once and updated in place
 * (`update` swaps the data); names are drawn by the canvas, never as HTML.
 */
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type Plugin } from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

export interface RuleChartInput {
	from: number;
	to: number;
	series: Array<{ name: string; points: Array<[number, number | null]> }>;
	threshold: number | null;
	clear: number | null;
	/** IANA zone of the tick labels (default UTC). */
	zone?: string;
}

const COLORS = ['#38bdf8', '#a78bfa', '#22c55e', '#f472b6', '#eab308', '#14b8a6', '#fb923c', '#94a3b8'];

function clock(ms: number, span: number, zone = 'UTC'): string {
	const f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(span > 2 * 86_400_000 ? { month: 'numeric', day: 'numeric' } : {}) });
	return f.format(new Date(ms));
}

/** A horizontal line across the chart at a value, with its name at the right end. */
function line(id: string, value: () => number | null, color: string, label: string, dash: number[]): Plugin<'line'> {
	return {
		id,
		afterDatasetsDraw(chart) {
			const v = value();
			if (v === null) return;
			const y = chart.scales.y!.getPixelForValue(v);
			const area = chart.chartArea;
			if (y < area.top || y > area.bottom) return;
			const g = chart.ctx;
			g.save();
			g.strokeStyle = color;
			g.setLineDash(dash);
			g.lineWidth = 1.5;
			g.beginPath();
			g.moveTo(area.left, y);
			g.lineTo(area.right, y);
			g.stroke();
			g.fillStyle = color;
			g.font = '12px system-ui, sans-serif';
			g.textAlign = 'right';
			g.fillText(`${label} ${v}`, area.right - 4, y - 4);
			g.restore();
		}
	};
}

export interface RuleChartHandle {
	update(input: RuleChartInput): void;
	destroy(): void;
}

function datasets(input: RuleChartInput) {
	return input.series.map((s, i) => ({
		label: s.name,
		data: s.points.map(([x, y]) => ({ x, y: y as number })),
		borderColor: COLORS[i % COLORS.length],
		backgroundColor: COLORS[i % COLORS.length],
		pointRadius: 0,
		borderWidth: 1.5,
		spanGaps: false
	}));
}

/** Y range that keeps the threshold and clear lines in view with the data. */
function yRange(input: RuleChartInput): { suggestedMin?: number; suggestedMax?: number } {
	const lines = [input.threshold, input.clear].filter((v): v is number => v !== null);
	if (!lines.length) return {};
	return { suggestedMin: Math.min(...lines, 0), suggestedMax: Math.max(...lines) * 1.15 || 1 };
}

export function drawRuleChart(canvas: HTMLCanvasElement, first: RuleChartInput): RuleChartHandle {
	let input = first;
	const chart = new Chart(canvas, {
		type: 'line',
		data: { datasets: datasets(input) },
		options: {
			animation: false,
			responsive: true,
			maintainAspectRatio: false,
			parsing: false,
			normalized: true,
			scales: {
				x: { type: 'linear', min: input.from, max: input.to, ticks: { color: '#8b9bb4', callback: (v) => clock(Number(v), input.to - input.from, input.zone), maxTicksLimit: 8 }, grid: { color: '#1f2a44' } },
				y: { type: 'linear', ...yRange(input), ticks: { color: '#8b9bb4' }, grid: { color: '#1f2a44' } }
			},
			plugins: { legend: { display: input.series.length <= 8, labels: { color: '#e6edf7', boxWidth: 12 } }, tooltip: { mode: 'nearest', intersect: false } }
		},
		plugins: [line('threshold', () => input.threshold, '#ef4444', 'threshold', [6, 4]), line('clear', () => input.clear, '#22c55e', 'clear', [2, 4])]
	});
	return {
		update(next) {
			input = next;
			chart.data.datasets = datasets(next);
			const x = chart.options.scales!.x!;
			x.min = next.from;
			x.max = next.to;
			chart.options.scales!.y = { ...chart.options.scales!.y, suggestedMin: undefined, suggestedMax: undefined, ...yRange(next) } as never;
			chart.options.plugins!.legend!.display = next.series.length <= 8;
			chart.update('none');
		},
		destroy: () => chart.destroy()
	};
}
