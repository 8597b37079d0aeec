import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tar from 'tar';
import { writeFixtureBundle } from '../lib/fixtures/bundle';
import { E2E_ADMIN, signIn } from './fixtures';

test('a researcher uploads a model archive with a progress bar, finds it registered, generates with it and scores it; a bad archive gets the reasons', async ({ page }) => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-e2e-upload-'));
  writeFixtureBundle(path.join(dir, 'uploaded-model'), { blocks: 2, seed: 77 });
  const archive = path.join(dir, 'uploaded-model.tar.gz');
  await tar.c({ gzip: true, file: archive, cwd: dir }, ['uploaded-model']);
  const bad = path.join(dir, 'not-a-model.tar.gz');
  fs.mkdirSync(path.join(dir, 'junk'));
  fs.writeFileSync(path.join(dir, 'junk', 'notes.txt'), 'hello');
  await tar.c({ gzip: true, file: bad, cwd: dir }, ['junk']);

  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password, '/research/models');
  await page.getByRole('link', { name: 'Upload a model' }).click();
  const form = page.getByRole('form', { name: 'Upload a model' });

  await form.getByLabel('Model archive').setInputFiles(bad);
  await form.getByRole('button', { name: 'Upload' }).click();
  await expect(form.getByRole('alert')).toContainText('model_index.json is missing', { timeout: 30_000 });

  await form.getByLabel('Model archive').setInputFiles(archive);
  await form.getByLabel('Model name').fill('e2e-uploaded');
  await form.getByLabel('Licence').fill('apache-2.0');
  await form.getByRole('button', { name: 'Upload' }).click();
  await expect(form.getByTestId('upload-state')).toHaveAttribute('data-phase', 'done', { timeout: 30_000 });
  await expect(form.getByRole('progressbar', { name: 'Upload progress' })).toHaveAttribute('aria-valuenow', '100');
  await form.getByRole('link', { name: 'Open the model' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'e2e-uploaded' })).toBeVisible();
  await expect(page.getByText('licence apache-2.0')).toBeVisible();

  // the uploaded model itself generates and is scored, and its numbers show on its page
  const gen = page.getByRole('form', { name: 'Generate images' });
  await gen.getByLabel('Prompt set').selectOption('geneval');
  await gen.getByLabel('Prompt limit').fill('2');
  await gen.getByLabel('Images per prompt').fill('1');
  await gen.getByLabel('Steps').fill('2');
  await gen.getByRole('button', { name: 'Generate' }).click();
  await expect(gen.getByTestId('job-progress')).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 });
  await gen.getByRole('link', { name: 'Open the gallery' }).click();
  await expect(page.getByTestId('run-summary')).toContainText('2 of 2 images');
  const box = page.getByTestId('score-geneval');
  await box.getByRole('button').click();
  await expect(box.getByTestId('job-progress')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  await page.getByRole('link', { name: 'e2e-uploaded' }).click();
  const original = page.getByTestId('variants').getByRole('row').filter({ hasText: /^original/ });
  await expect(original.getByTestId('score-geneval')).toContainText(/\d\.\d{3}/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('uploads are for researchers only', async ({ request }) => {
  expect((await request.post('/api/uploads', { data: { filename: 'x.zip', size: 10 } })).status()).toBe(401);
  expect((await request.put('/api/uploads/00000000-0000-0000-0000-000000000000/chunks/0', { data: 'x' })).status()).toBe(401);
});
