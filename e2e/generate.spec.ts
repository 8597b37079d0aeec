import { expect, test } from '@playwright/test';
import { E2E_ADMIN, signIn } from './fixtures';

test('a researcher generates images, browses the gallery, scores them and sees the numbers on the model page', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password, '/research/models');
  await page.getByRole('link', { name: 'fixture-mmdit-12' }).click();
  const form = page.getByRole('form', { name: 'Generate images' });
  await form.getByLabel('Prompt set').selectOption('geneval');
  await form.getByLabel('Prompt limit').fill('2');
  await form.getByLabel('Images per prompt').fill('2');
  await form.getByLabel('Steps').fill('4');
  await form.getByRole('button', { name: 'Generate' }).click();
  await expect(form.getByTestId('job-progress')).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 });
  await form.getByRole('link', { name: 'Open the gallery' }).click();
  await expect(page.getByTestId('run-summary')).toContainText('4 of 4 images');
  const images = page.getByRole('img', { name: /image \d for "a photo of an? \w+"/ });
  await expect(images).toHaveCount(4);
  // every image actually loads
  for (const img of await images.all()) await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  expect((await page.request.get(await images.first().getAttribute('src') as string)).headers()['content-type']).toBe('image/webp');

  for (const scorer of ['geneval', 'hps']) {
    const box = page.getByTestId(`score-${scorer}`);
    await box.getByRole('button').click();
    await expect(box.getByTestId('job-progress')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  }
  await page.getByRole('link', { name: 'fixture-mmdit-12' }).click();
  const original = page.getByTestId('variants').getByRole('row').filter({ hasText: /^original/ });
  await expect(original.getByTestId('score-geneval')).toContainText(/\d\.\d{3}/);
  await expect(original.getByTestId('score-hps')).toContainText(/n=4 fixture/);
});

test('generated images are for researchers only', async ({ request }) => {
  expect((await request.get('/api/images/anything/png')).status()).toBe(401);
  expect((await request.post('/api/models/x/generate', { data: {} })).status()).toBe(401);
});
