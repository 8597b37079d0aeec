import { randomBytes } from 'node:crypto';
import { type APIRequestContext, type Page, expect } from '@playwright/test';
import { E2E_ADMIN } from '../playwright.config';

export { E2E_ADMIN };

export async function signIn(page: Page, email: string, password: string, callbackUrl = '/research/jobs') {
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${callbackUrl.replace(/\//g, '\\/')}$`));
}

/** Each test makes its own researcher through the admin API (the admin comes from ADMIN_EMAIL). */
export async function createResearcher(request: APIRequestContext, role: 'researcher' | 'admin' = 'researcher') {
  const email = `r-${randomBytes(4).toString('hex')}@example.org`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const res = await request.post('/api/admin/users', { data: { email, password, role } });
  expect(res.status(), await res.text()).toBe(201);
  return { email, password };
}
