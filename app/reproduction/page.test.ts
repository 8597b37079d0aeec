import { createElement as h, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { reproductionFixture } from '@/lib/reproduction/fixtures';
import type { TReproduction } from '@/lib/reproduction/types';

const built = vi.hoisted(() => ({ value: null as TReproduction | null }));
vi.mock('@/lib/reproduction/service', () => ({ buildReproduction: async () => built.value }));

const { default: ReproductionPage } = await import('./page');
const render = async () => renderToStaticMarkup((await ReproductionPage()) as ReactElement);

describe('the reproduction page', () => {
  beforeEach(() => {
    built.value = reproductionFixture();
  });

  it('shows the reading, the table, the comparisons, the charts, the sensitivity and the samples', async () => {
    const html = await render();
    expect(html).toContain('<h1 class="text-2xl font-semibold">Reproducing HierarchicalPrune on the shapes model</h1>');
    expect(html).toContain('data-testid="reproduction-partial"');
    expect(html).toContain('Pruning the latest 2 blocks changed GenEval by −0.125');
    for (const id of ['reproduction-table', 'reproduction-comparisons', 'reproduction-geneval', 'reproduction-pareto-memory', 'reproduction-samples']) expect(html).toContain(`data-testid="${id}"`);
    expect(html).toContain('data-variant="late-2"');
    expect(html).toContain('−0.125 vs original');
    expect(html).toContain('early-2 does not exist yet.');
    expect(html).toContain('original: block sensitivity');
    expect(html).toContain('href="/leaderboard#how-geneval"');
    expect(html).toContain('id="how-paired"');
  });

  it('draws the samples pixelated with their variant and prompt as alt text, in a grid that scrolls sideways', async () => {
    const html = await render();
    const grid = html.slice(html.indexOf('data-testid="reproduction-samples"') - 80);
    expect(grid).toMatch(/^.*class="overflow-x-auto[^"]*"[^>]*data-testid="reproduction-samples"/);
    expect(html.match(/<img [^>]*>/g)).toHaveLength(3);
    expect(html).toContain('alt="late-2: &quot;p0&quot;"');
    expect(html).toContain('image-rendering:pixelated');
    expect(html).toMatch(/>none<\/span>/);
  });

  it('says how to get the reproduction when it does not exist yet', async () => {
    built.value = { ...reproductionFixture(), available: false, message: 'The built-in shapes model "shapes-mmdit-6" is not registered in this database.', variants: [], comparisons: [], reading: [], samples: null, sensitivity: null };
    const html = await render();
    expect(html).toContain('data-testid="reproduction-missing"');
    expect(html).toContain('is not registered in this database.');
    expect(html).toContain('<code>npm start</code> registers the shapes model');
    expect(html).toContain('href="/research/jobs"');
    expect(html).toContain('The demo is being prepared: 3 of 9 steps done.');
    expect(html).not.toContain('data-testid="reproduction-table"');
  });
});
