import { expect, test } from '@playwright/test';

test('the home page fits a phone screen', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test('the leaderboard and its charts fit a phone screen; the wide table scrolls inside its own box', async ({ page }) => {
  await page.goto('/leaderboard');
  await expect(page.getByRole('heading', { level: 1, name: 'Leaderboard' })).toBeVisible();
  await expect(page.getByTestId('leaderboard-table')).toBeVisible();
  for (const id of ['chart-pareto-memory', 'chart-pareto-latency', 'chart-ratings', 'chart-winrate', 'chart-votes-over-time']) await expect(page.getByTestId(id)).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
