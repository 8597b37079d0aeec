import { expect, test } from '@playwright/test';
import { E2E_ADMIN, signIn } from './fixtures';

test('a researcher compresses the built-in model from its page and sees the new variant with its report', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password, '/research/models');
  await page.getByRole('link', { name: 'fixture-mmdit-12' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'fixture-mmdit-12' })).toBeVisible();
  await expect(page.getByTestId('variants')).toContainText('original');
  // the paper's SD3.5 ablation is always there as a reference
  await expect(page.getByText("Reference: SD3.5 Large Turbo, the paper's component ablation (HPSv2)")).toBeVisible();

  // the seeded sensitivity job fills the model's own heatmap
  await expect(async () => {
    await page.reload();
    await expect(page.getByText(/original: component sensitivity/)).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 90_000 });

  const form = page.getByRole('form', { name: 'Compression recipe' });
  await form.getByLabel('INT4 block size').selectOption('64');
  await form.getByLabel('Protected blocks').fill('4');
  await form.getByLabel('Variant name').fill('e2e-hp75-int4');
  await expect(page.getByTestId('expected-footprint')).toContainText('→');
  await form.getByRole('button', { name: 'Compress' }).click();
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-status', 'succeeded', { timeout: 120_000 });
  await expect(page.getByTestId('variants')).toContainText('e2e-hp75-int4', { timeout: 15_000 });
  const row = page.getByTestId('variants').getByRole('row').filter({ hasText: 'e2e-hp75-int4' });
  await expect(row).toContainText(/−\d+\.\d%/);
  await expect(row).toContainText('(cpu)');

  // the same name again is refused before anything is queued
  await form.getByLabel('Variant name').fill('e2e-hp75-int4');
  await form.getByRole('button', { name: 'Compress' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'exists already' })).toBeVisible();
});

test('model routes are for researchers only', async ({ request }) => {
  expect((await request.get('/api/models')).status()).toBe(401);
  expect((await request.post('/api/models/x/compress', { data: {} })).status()).toBe(401);
  expect((await request.post('/api/models/x/sensitivity', { data: {} })).status()).toBe(401);
});
