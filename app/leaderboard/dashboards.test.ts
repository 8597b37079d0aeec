import { createElement as h } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { TLeaderboardData } from '@/lib/leaderboard/types';
import { chartData } from '../_components/charts/fixtures';
import { Dashboards } from './dashboards';

const render = (props: { data: TLeaderboardData; metric?: string; query?: Record<string, string | string[] | undefined> }) => renderToStaticMarkup(h(Dashboards, props));
const links = (html: string) => [...html.matchAll(/<a [^>]*href="([^"]*)"[^>]*>([^<]*)<\/a>/g)].map((m) => ({ href: m[1]!.replace(/&amp;/g, '&'), text: m[2], current: m[0].includes('aria-current="true"') }));

describe('Dashboards', () => {
  it('lays out every chart, each with its numbers as a table', () => {
    const html = render({ data: chartData() });
    for (const id of ['chart-pareto-memory', 'chart-pareto-latency', 'chart-ratings', 'chart-geneval', 'chart-winrate', 'chart-votes-over-time']) expect(html).toContain(`data-testid="${id}"`);
    expect(html.match(/data-testid="chart-table"/g)).toHaveLength(6);
    expect(html.match(/role="img"/g)).toHaveLength(6);
  });

  it('plots human ratings by default, and the metric the link picked', () => {
    expect(render({ data: chartData() })).toContain('Human rating against memory');
    const geneval = render({ data: chartData(), metric: 'geneval' });
    expect(geneval).toContain('GenEval against memory');
    expect(geneval).toContain('GenEval against time per image');
    expect(render({ data: chartData(), metric: 'nonsense' })).toContain('Human rating against memory');
  });

  it('picks the metric with plain links that keep the other query parameters', () => {
    const tabs = links(render({ data: chartData(), metric: 'hps', query: { base: 'sd35', metric: 'hps', tag: ['a', 'b'] } }));
    expect(tabs).toEqual([
      { href: '?base=sd35&tag=a&tag=b&metric=human', text: 'Human rating', current: false },
      { href: '?base=sd35&tag=a&tag=b&metric=geneval', text: 'GenEval', current: false },
      { href: '?base=sd35&tag=a&tag=b&metric=hps', text: 'HPS', current: true },
    ]);
  });

  it('numbers the win-rate rows and columns alike, and writes the vote counts', () => {
    const html = render({ data: chartData() });
    const winrate = html.slice(html.indexOf('data-testid="chart-winrate"'), html.indexOf('data-testid="chart-votes-over-time"'));
    expect(winrate).toContain('>1. original</text>');
    expect(winrate).toContain('<title>SD3.5 Large / original was chosen over SD3.5 Large / pruned-80-int4 in 70% of 40 votes</title>');
    expect(winrate).toContain('<title>SD3.5 Large / pruned-80 and SD3.5 Large / pruned-80-int4 have not been compared yet</title>');
    expect(winrate).toContain('3 variants · 140 votes');
  });

  it('shows the rating method and its warnings under the ratings', () => {
    const data = chartData();
    data.human.warnings = ['pruned-80-int4 has fewer than 100 votes'];
    const html = render({ data });
    expect(html).toContain('140 votes. Bradley-Terry on the first question of every study.');
    expect(html).toContain('<li>pruned-80-int4 has fewer than 100 votes</li>');
  });

  it('shows an empty state in every chart before anything is measured', () => {
    const empty: TLeaderboardData = {
      generatedAt: '2025-01-01T00:00:00.000Z',
      rows: [],
      human: { method: '', votes: 0, bootstrap: 0, warnings: [], winRates: { variants: [], names: [], winRate: [], votes: [] }, votesOverTime: [] },
    };
    const html = render({ data: empty });
    expect(html).not.toContain('<svg viewBox="0 0 480');
    expect(html).toContain('No variant has both a memory size and a human rating yet.');
    expect(html).toContain('No human ratings yet');
    expect(html).toContain('No votes yet');
  });
});
