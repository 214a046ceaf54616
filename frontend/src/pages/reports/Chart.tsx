// One chart of a report: bars (stacked or side by side) or lines over the points of a Series.
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Series } from './series';

const COLORS = ['#2e7d32', '#c62828', '#1565c0', '#ef6c00', '#6a1b9a', '#00838f', '#5d4037', '#9e9d24'];

/** Fixed colours for the series every report shares, so "missed" is red everywhere. */
const KNOWN: Record<string, string> = { answered: COLORS[0], missed: COLORS[1], calls: COLORS[2], service_level: COLORS[2] };

export function seriesColor(key: string, index: number): string {
  return KNOWN[key] ?? COLORS[(index + 2) % COLORS.length];
}

interface Props {
  title: string;
  series: Series;
  kind?: 'bar' | 'line';
  stacked?: boolean;
  /** The legend's name of a series key. */
  label?: (key: string) => string;
  height?: number;
}

export function Chart({ title, series, kind = 'bar', stacked = false, label = (k) => k, height = 260 }: Props) {
  if (series.data.length === 0) return null;
  const common = { data: series.data, margin: { top: 8, right: 16, bottom: 8, left: 0 } };
  const axes = [
    <CartesianGrid key="grid" strokeDasharray="3 3" />,
    <XAxis key="x" dataKey="label" fontSize={12} />,
    <YAxis key="y" fontSize={12} allowDecimals />,
    <Tooltip key="tip" />,
    <Legend key="legend" />,
  ];
  return (
    <figure className="report-chart" data-testid="report-chart">
      <figcaption>{title}</figcaption>
      <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 600, height }}>
        {kind === 'line' ? (
          <LineChart {...common}>
            {axes}
            {series.keys.map((key, i) => (
              <Line key={key} type="monotone" dataKey={key} name={label(key)} stroke={seriesColor(key, i)} dot={false} isAnimationActive={false} />
            ))}
          </LineChart>
        ) : (
          <BarChart {...common}>
            {axes}
            {series.keys.map((key, i) => (
              <Bar key={key} dataKey={key} name={label(key)} fill={seriesColor(key, i)} stackId={stacked ? 'stack' : undefined} isAnimationActive={false} />
            ))}
          </BarChart>
        )}
      </ResponsiveContainer>
    </figure>
  );
}
