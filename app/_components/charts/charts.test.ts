import { createElement as h } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { contrastRatio } from '@/lib/charts/color';
import { chartData, chartRow } from './fixtures';
import { Heatmap } from './heatmap';
import { IntervalChart } from './interval-chart';
import { intervalItems, paretoPoints, shortLabels } from './leaderboard-points';
import { defaultMetric, parseMetric } from './metrics';
import { ParetoChart } from './pareto-chart';
import { sensitivityGrid } from './sensitivity';
import { VotesOverTime } from './votes-over-time';

const GiB = 2 ** 30;

/** The markup's text with tags removed, entities decoded, for reading like a screen reader would. */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;
const attr = (html: string, name: string) => [...html.matchAll(new RegExp(` ${name}="([^"]*)"`, 'g'))].map((m) => m[1]!);

describe('leaderboard rows as chart points', () => {
  it('labels a variant by its name, or by model and name when the name repeats', () => {
    const labels = shortLabels([chartRow('a', { variantName: 'original' }), chartRow('b', { variantName: 'original', modelName: 'Flux' }), chartRow('c')]);
    expect([...labels.values()]).toEqual(['SD3.5 Large / original', 'Flux / original', 'c']);
  });

  it('keeps the rows with both numbers and counts the others', () => {
    const rows = [chartRow('a'), chartRow('b', { latency: null }), chartRow('c', { human: null })];
    expect(paretoPoints(rows, 'latency', 'human')).toMatchObject({ points: [{ id: 'a', x: 2400, y: 1000, n: 120, where: 'H100, cuda' }], missing: 2 });
    expect(paretoPoints(rows, 'memory', 'geneval').points.map((p) => p.n)).toEqual([553, 553, 553]);
    expect(intervalItems(chartData().rows, 'human').map((i) => i.id)).toEqual(['pruned-80', 'original', 'pruned-80-int4']);
  });

  it('reads ?metric= and picks a metric that has data', () => {
    expect([parseMetric('hps'), parseMetric(['geneval', 'hps']), parseMetric('elo'), parseMetric(undefined)]).toEqual(['hps', 'geneval', null, null]);
    expect(defaultMetric(chartData().rows)).toBe('human');
    expect(defaultMetric([chartRow('a', { human: null })])).toBe('geneval');
  });
});

describe('ParetoChart', () => {
  const html = renderToStaticMarkup(h(ParetoChart, { rows: chartData().rows, cost: 'memory', metric: 'human', testId: 'chart-pareto-memory' }));

  it('is a figure with a caption, an image role with a summary naming the front, and a table of the numbers', () => {
    expect(html).toMatch(/^<figure data-testid="chart-pareto-memory"/);
    expect(html).toContain('<figcaption');
    expect(html).toContain('role="img"');
    const [label] = attr(html, 'aria-label').filter((l) => l.startsWith('Human rating against memory'));
    expect(label).toBe(
      'Human rating against memory for 3 variants. On the Pareto front: SD3.5 Large / pruned-80-int4 (3.6 GiB, 960); SD3.5 Large / pruned-80 (12.8 GiB, 1,010). The table under the chart has every number.',
    );
    expect(html).toContain('data-testid="chart-table"');
    expect(text(html)).toContain('Show the numbers');
    // one table row per variant, cheapest first, with the interval and the count
    const body = html.slice(html.indexOf('<tbody'));
    expect(count(body, /<tr>/g)).toBe(3);
    expect(text(body)).toContain('SD3.5 Large / pruned-80-int4 (demo) 3.6 GiB 960 930 to 990 70 yes');
    expect(text(body)).toContain('SD3.5 Large / original 16 GiB 1,000 980 to 1,020 120 no');
  });

  it('draws the front as diamonds and the rest as circles, demo rows hollow, with lineage lines', () => {
    const marks = [...html.matchAll(/<g data-point="([^"]+)"><title>[^<]*<\/title><(path|circle)[^>]*class="([^"]*)"/g)].map((m) => [m[1], m[2], m[3]]);
    expect(marks).toEqual([
      ['original', 'circle', 'fill-slate-500 stroke-white'],
      ['pruned-80-int4', 'path', 'fill-white stroke-brand-600'],
      ['pruned-80', 'path', 'fill-brand-600 stroke-white'],
    ]);
    expect(count(html, /stroke-dasharray="4 3"/g)).toBe(2);
    expect(text(html)).toContain('hollow: demo data');
    expect(text(html)).toContain('compressed from');
  });

  it('uses a log axis when sizes span 4x or more, and says so', () => {
    expect(text(html)).toContain('Memory of the weights, log scale');
    expect(text(html)).toMatch(/4 GiB .*16 GiB/);
  });

  it('writes the counts: variants, votes, intervals', () => {
    expect(text(html)).toContain('3 variants · 70 to 120 votes per variant · bars are 95% intervals');
  });

  it('labels points with their names inside the chart', () => {
    const labels = [...html.matchAll(/<text[^>]*paint-order="stroke"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(labels.sort()).toEqual(['original', 'pruned-80', 'pruned-80-int4']);
  });

  it('has one front point when one variant is fastest and best', () => {
    const latency = renderToStaticMarkup(h(ParetoChart, { rows: chartData().rows, cost: 'latency', metric: 'human' }));
    expect(count(latency, /<g data-point="[^"]+"><title>[^<]*<\/title><path/g)).toBe(1);
    expect(attr(latency, 'aria-label').join()).toContain('On the Pareto front: SD3.5 Large / pruned-80 (1.9 s, 1,010).');
  });

  it('says what is missing when no variant has both numbers', () => {
    const empty = renderToStaticMarkup(h(ParetoChart, { rows: [chartRow('a', { latency: null })], cost: 'latency', metric: 'geneval', testId: 't' }));
    expect(text(empty)).toContain('No variant has both a measured latency and a GenEval score yet.');
    expect(empty).not.toContain('<svg');
    expect(empty).toContain('data-testid="t"');
  });

  it('draws a lone variant without a front line, and tells apart setups that cannot be compared', () => {
    const one = renderToStaticMarkup(h(ParetoChart, { rows: [chartRow('a')], cost: 'memory', metric: 'hps' }));
    expect(one).not.toContain('<polyline');
    expect(text(one)).toContain('1 variant ·');
    const mixed = renderToStaticMarkup(
      h(ParetoChart, {
        rows: [chartRow('a'), chartRow('b', { latency: { perImageMs: 30_000, perStepMs: 1000, provider: 'cpu', hardware: 'Xeon', runId: 'x' } })],
        cost: 'latency',
        metric: 'hps',
      }),
    );
    expect(text(mixed)).toContain('measured on 2 different setups');
    expect(text(mixed)).toContain('30 s · Xeon, cpu');
  });
});

describe('IntervalChart', () => {
  const items = [
    { id: 'a', label: 'a', value: 0.5, low: 0.4, high: 0.6, n: 100 },
    { id: 'b', label: 'b', value: 0.7, low: null, high: null, n: 50 },
    { id: 'c', label: 'c', value: 0.6, low: 0.55, high: 0.65, n: 80, demo: true },
  ];
  const html = renderToStaticMarkup(h(IntervalChart, { items, title: 'GenEval', metricLabel: 'GenEval', digits: 2, noun: 'images', testId: 'chart-geneval' }));

  it('sorts best first and writes each value with its interval', () => {
    const ids = [...html.matchAll(/data-item="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['b', 'c', 'a']);
    expect(text(html)).toContain('0.70 (no interval)');
    expect(text(html)).toContain('0.60 (0.55 to 0.65)');
    expect(attr(html, 'aria-label').join()).toContain('GenEval of 3 variants, best first: b 0.70 (no interval); c 0.60 (0.55 to 0.65); a 0.50 (0.40 to 0.60).');
    expect(text(html)).toContain('3 variants · 50 to 100 images per variant');
  });

  it('draws intervals only where there are some, demo values hollow', () => {
    // one line and two caps per interval
    expect(count(html, /<g stroke-width="2" class="stroke-brand-600\/70">/g)).toBe(2);
    expect(count(html, /class="fill-white stroke-brand-600"/g)).toBe(2); // the demo dot and its legend mark
  });

  it('has an empty state', () => {
    expect(text(renderToStaticMarkup(h(IntervalChart, { items: [], title: 'Human ratings', metricLabel: 'Human rating', digits: 0 })))).toContain('No variant has a human rating yet.');
  });
});

describe('Heatmap', () => {
  const { winRates } = chartData().human;
  const html = renderToStaticMarkup(
    h(Heatmap, {
      title: 'Who beats whom',
      rowLabels: winRates.names,
      colLabels: winRates.names,
      colShort: ['1', '2', '3'],
      values: winRates.winRate,
      cellCounts: winRates.votes,
      scale: { scheme: 'diverging', domain: [0, 1], midpoint: 0.5 },
      format: (v: number) => `${Math.round(v * 100)}%`,
      testId: 'chart-winrate',
    }),
  );

  it('colours cells by value, greys the empty ones with a stroke, and writes values that fit', () => {
    expect(count(html, /<rect /g)).toBe(9);
    expect(count(html, /fill="#e2e8f0"/g)).toBe(5); // the diagonal and the two pairs never compared
    expect(text(html)).toMatch(/ 45% .* 70% .* 55% .* 30% /);
    // text on a cell reads at 4.5:1 or better
    for (const [, bg, fg] of html.matchAll(/<rect [^>]*fill="(#[0-9a-f]{6})"[^>]*\/><text [^>]*fill="(#[0-9a-f]{6})"/g)) expect(contrastRatio(bg!, fg!)).toBeGreaterThanOrEqual(4.5);
  });

  it('gives every cell a hover title with its count, and the table the same numbers', () => {
    expect(html).toContain('<title>SD3.5 Large / original, SD3.5 Large / pruned-80-int4: 70% (40 votes)</title>');
    expect(html).toContain('<title>SD3.5 Large / pruned-80, SD3.5 Large / pruned-80-int4: no data</title>');
    const body = html.slice(html.indexOf('<tbody'));
    expect(text(body)).toContain('SD3.5 Large / original — 45% (80) 70% (40)');
  });

  it('shows its colour key with the midpoint', () => {
    expect(html).toContain('linear-gradient(to right, #c2410c');
    expect(text(html)).toMatch(/0% 50% 100%/);
  });

  it('scrolls sideways rather than shrink 38 blocks below legibility, with thinned headers', () => {
    const entries = Array.from({ length: 38 }, (_, b) => ['attn', 'ff'].map((component) => ({ block: b, component, delta: b * 0.01, value: 0 }))).flat();
    const grid = sensitivityGrid(entries);
    expect(grid.rowLabels).toEqual(['attn', 'ff']);
    const wide = renderToStaticMarkup(h(Heatmap, { title: 'Sensitivity', ...grid }));
    expect(wide).toMatch(/style="min-width:\d+px"/);
    const heads = [...wide.matchAll(/<text [^>]*text-anchor="middle" class="fill-slate-600">(\d+)<\/text>/g)].map((m) => m[1]);
    expect(heads.length).toBeLessThan(38);
    expect(heads[0]).toBe('0');
    expect(wide).not.toMatch(/tabular-nums" aria-hidden="true">0\.\d/); // cells too small for text
  });

  it('writes values in mid-sized cells only where the text is small enough (520 px and up)', () => {
    const names = Array.from({ length: 9 }, (_, i) => `variant-name-${i}`);
    const nine = renderToStaticMarkup(
      h(Heatmap, { title: 'x', rowLabels: names, colLabels: names, values: names.map(() => names.map(() => 0.5)), scale: { scheme: 'diverging', domain: [0, 1] } }),
    );
    expect(count(nine, /class="hidden tabular-nums min-\[520px\]:inline"/g)).toBe(81);
  });

  it('orders sensitivity rows as the model does and leaves unmeasured parts empty', () => {
    const grid = sensitivityGrid([
      { block: 1, component: 'ff', delta: -0.2, value: 0 },
      { block: 0, component: 'attn', delta: 0.4, value: 0 },
      { block: 0, component: 'zeta', delta: 0.1, value: 0 },
    ]);
    expect(grid.rowLabels).toEqual(['attn', 'ff', 'zeta']);
    expect(grid.colShort).toEqual(['0', '1']);
    expect(grid.values).toEqual([
      [0.4, null],
      [null, 0.2],
      [0.1, null],
    ]);
    expect(grid.scale).toEqual({ scheme: 'sequential', domain: [0, 0.4], transform: 'sqrt' });
  });

  it('has an empty state', () => {
    expect(text(renderToStaticMarkup(h(Heatmap, { title: 'x', rowLabels: [], colLabels: [], values: [], scale: { scheme: 'sequential', domain: [0, 1] }, emptyText: 'No votes yet.' })))).toContain(
      'No votes yet.',
    );
  });
});

describe('VotesOverTime', () => {
  const html = renderToStaticMarkup(h(VotesOverTime, { points: chartData().human.votesOverTime, testId: 'chart-votes-over-time' }));

  it('steps up on days with votes and holds on days without', () => {
    const d = attr(html, 'd').find((p) => !p.endsWith('Z'))!;
    // up to 30 on day 1, to 95 on day 2, flat through day 3, up to 140 on day 4
    expect(d.match(/[MHV]/g)!.join('')).toBe('MVHVHVH');
    expect(text(html)).toContain('140 votes over 4 days');
    expect(attr(html, 'aria-label').join()).toContain('140 votes in all, counted on 3 of 4 days from 10 Mar 2025 to 13 Mar 2025.');
  });

  it('lists each day with its new and total votes', () => {
    const body = text(html.slice(html.indexOf('<tbody')));
    expect(body).toContain('10 Mar 2025 30 30');
    expect(body).toContain('11 Mar 2025 65 95');
    expect(body).toContain('13 Mar 2025 45 140');
  });

  it('draws a single day, and says when there are no votes', () => {
    expect(renderToStaticMarkup(h(VotesOverTime, { points: [{ date: '2025-03-10', votes: 4 }] }))).toContain('role="img"');
    expect(text(renderToStaticMarkup(h(VotesOverTime, { points: [] })))).toContain('No votes yet');
  });
});
