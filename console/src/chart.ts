import uPlot from 'uplot';
import { h } from './dom';

/**
 * A grouped bar chart (uPlot) of amounts per category, with a data table beside it for screen
 * readers and for anyone who prefers numbers. Amounts are exact decimal strings; the chart draws
 * them as numbers, the table keeps the exact strings.
 */
export function barChart(
  title: string,
  xLabel: string,
  categories: readonly string[],
  series: readonly { label: string; color: string; values: readonly string[] }[],
): HTMLElement {
  const figure = h('figure', { class: 'chart' }, h('figcaption', {}, title));
  const host = h('div', { class: 'chart-host', role: 'img', 'aria-label': title });
  figure.append(host);
  // Side-by-side bars: each series gets its own x offset within a category; elsewhere it is null.
  const n = series.length;
  const offset = (j: number): number => (j - (n - 1) / 2) * 0.2;
  const xs: number[] = [];
  const columns: (number | null)[][] = series.map(() => []);
  categories.forEach((_, i) => {
    series.forEach((s, j) => {
      xs.push(i + offset(j));
      columns.forEach((col, k) => col.push(k === j ? Number(s.values[i] ?? 0) : null));
    });
  });
  const data: uPlot.AlignedData = [xs, ...columns];
  const width = Math.max(280, Math.min(160 + 160 * categories.length, 720, (document.querySelector('main')?.clientWidth ?? 720) - 32));
  const opts: uPlot.Options = {
    width,
    height: 220,
    scales: { x: { time: false, range: [-0.5, Math.max(0.5, categories.length - 0.5)] } },
    axes: [{ splits: () => categories.map((_, i) => i), values: (_u, splits) => splits.map((v) => categories[v] ?? '') }, {}],
    series: [
      { label: xLabel },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        fill: s.color,
        points: { show: false },
        ...(uPlot.paths.bars === undefined ? {} : { paths: uPlot.paths.bars({ size: [0.18, 48] }) }),
      })),
    ],
  };
  // uPlot draws after the host is in the document.
  requestAnimationFrame(() => {
    new uPlot(opts, data, host);
  });
  return figure;
}

/** A stepped line over time (seconds since the epoch), with the points also listed in a table. */
export function timeChart(title: string, label: string, points: readonly (readonly [number, number])[]): HTMLElement {
  const figure = h('figure', { class: 'chart' }, h('figcaption', {}, title));
  const host = h('div', { class: 'chart-host', role: 'img', 'aria-label': title });
  figure.append(host);
  const data: uPlot.AlignedData = [points.map((p) => p[0]), points.map((p) => p[1])];
  const width = Math.max(280, Math.min(720, (document.querySelector('main')?.clientWidth ?? 720) - 32));
  const opts: uPlot.Options = {
    width,
    height: 200,
    series: [
      {},
      {
        label,
        stroke: '#1d4ed8',
        width: 2,
        fill: 'rgba(29, 78, 216, 0.12)',
        ...(uPlot.paths.stepped === undefined ? {} : { paths: uPlot.paths.stepped({ align: 1 }) }),
      },
    ],
  };
  requestAnimationFrame(() => {
    new uPlot(opts, data, host);
  });
  return figure;
}
