import os from 'node:os';
import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests in Debian's chromium against the real thing: `npm start`'s script (migrations,
 * seed, production build, web server and one worker) on a fresh SQLite database.
 */
const PORT = Number(process.env.E2E_PORT ?? 3123);
const DATA_DIR = process.env.E2E_DATA_DIR ?? path.join(os.tmpdir(), 'arena-e2e');
export const E2E_ADMIN = { email: 'e2e-admin@example.org', password: 'e2e admin password' };

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'reports/e2e.json' }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], channel: undefined } },
    { name: 'phone', use: { ...devices['Pixel 7'], channel: undefined }, testMatch: /mobile\.spec\.ts/ },
  ],
  webServer: {
    command: `rm -rf "${DATA_DIR}" && node --import tsx scripts/start.ts`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      DATA_DIR,
      DATABASE_URL: '',
      PORT: String(PORT),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${PORT}`,
      ADMIN_EMAIL: E2E_ADMIN.email,
      ADMIN_PASSWORD: E2E_ADMIN.password,
      WORKERS: '1',
      WORKER_POLL_MS: '200',
      JOB_LEASE_SECONDS: '10',
      JOB_HEARTBEAT_SECONDS: '1',
      LOGIN_MAX_FAILURES: '20',
      LOG_LEVEL: 'warn',
      // The specs make their own data; the demo chain would compete with them for the one worker.
      DEMO: '0',
    },
  },
});
