import { expect, test } from '@playwright/test';
import { createResearcher, E2E_ADMIN, signIn } from './fixtures';

test('an anonymous visitor is kept out of the researcher area', async ({ page, request }) => {
  await page.goto('/research/jobs');
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fresearch%2Fjobs/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  for (const [method, url] of [
    ['GET', '/api/jobs'],
    ['POST', '/api/jobs'],
    ['POST', '/api/jobs/anything/cancel'],
    ['GET', '/api/admin/users'],
  ] as const) {
    const res = await request.fetch(url, { method, data: method === 'POST' ? {} : undefined });
    expect(res.status(), `${method} ${url}`).toBe(401);
  }
});

test('the home page says what PruneArena is and links onward', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('compressing a diffusion model');
  await page.getByRole('link', { name: 'See the leaderboard' }).click();
  await expect(page.getByRole('heading', { name: 'Leaderboard' })).toBeVisible();
});

test('a wrong password gets a clear message', async ({ page }) => {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(E2E_ADMIN.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'do not match' })).toHaveText('That email and password do not match an account.');
});

test('a researcher signs in, starts a demo job and watches it finish, then signs out', async ({ page }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const researcher = await createResearcher(page.request);
  await page.context().clearCookies();

  await signIn(page, researcher.email, researcher.password);
  await expect(page.getByRole('heading', { name: 'Jobs' })).toBeVisible();
  await expect(page.getByTestId('signed-in-as')).toHaveText(researcher.email);

  await page.getByRole('button', { name: 'Start a self-test job' }).click();
  const job = page.getByTestId('job').filter({ hasText: researcher.email }).first();
  await expect(job).toBeVisible();
  await expect(job.getByTestId('job-status')).toHaveText('succeeded', { timeout: 30_000 });
  await expect(job.getByTestId('job-message')).toHaveText(/step 10 of 10: [0-9a-f]{12} verified/);
  await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');

  await page.getByRole('link', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/research/jobs');
  await expect(page).toHaveURL(/\/signin/);
});

test('a researcher can cancel a running job and retry it', async ({ page }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const res = await page.request.post('/api/jobs', { data: { type: 'demo.selftest', payload: { steps: 50, stepMs: 400 } } });
  expect(res.status()).toBe(201);
  const { job } = await res.json();
  await page.reload();
  const card = page.locator(`[data-job-id="${job.id}"]`);
  await expect(card.getByTestId('job-status')).toHaveText('running', { timeout: 20_000 });
  await card.getByRole('button', { name: 'Cancel' }).click();
  await expect(card.getByTestId('job-status')).toHaveText('cancelled', { timeout: 20_000 });
  await card.getByRole('button', { name: 'Retry' }).click();
  await expect(card.getByTestId('job-status')).toHaveText(/queued|running/);
  await page.request.post(`/api/jobs/${job.id}/cancel`);
});

test('a researcher calling an admin action gets 403; bad input gets 400 with the reason', async ({ page }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const researcher = await createResearcher(page.request);
  const dupe = await page.request.post('/api/admin/users', { data: { email: researcher.email, password: 'another long password' } });
  expect(dupe.status()).toBe(409);
  await page.context().clearCookies();

  await signIn(page, researcher.email, researcher.password);
  expect((await page.request.get('/api/admin/users')).status()).toBe(403);
  expect((await page.request.post('/api/admin/users', { data: { email: 'x@example.org', password: 'long enough pw', role: 'admin' } })).status()).toBe(403);
  await page.goto('/research/admin/users');
  await expect(page.getByRole('alert').filter({ hasText: 'Admins only' })).toContainText(researcher.email);

  const bad = await page.request.post('/api/jobs', { data: { type: 'demo.selftest', payload: { steps: -1 } } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.message).toMatch(/steps/);
  const notJson = await page.request.post('/api/jobs', { headers: { 'content-type': 'application/json' }, data: '{oops' });
  expect(notJson.status()).toBe(400);
});

test('health reports the database, workers and queue', async ({ request }) => {
  const res = await request.get('/api/health');
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.database).toMatchObject({ provider: 'sqlite', ok: true });
  expect(body.workers.alive).toBe(true);
  expect(Object.keys(body.queue).sort()).toEqual(['cancelled', 'failed', 'queued', 'running', 'succeeded']);
});

test('the reproduction page explains how to build it before the demo has run', async ({ page, request }) => {
  // the suite runs with DEMO=0: the shapes model is registered, its reproduction not built
  await page.goto('/');
  await page.getByRole('navigation').getByRole('link', { name: 'Reproduction' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Reproducing HierarchicalPrune on the shapes model' })).toBeVisible();
  await expect(page.getByTestId('reproduction-missing')).toContainText('npm start');
  await expect(page.getByRole('link', { name: 'shapes-mmdit-6' })).toBeVisible();
  const api = await request.get('/api/v1/reproduction');
  expect(api.status()).toBe(200);
  expect(await api.json()).toMatchObject({ reproduction: { available: false, model: { name: 'shapes-mmdit-6' } } });
});
