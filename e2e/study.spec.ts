import fs from 'node:fs';
import { type APIRequestContext, type Browser, type Page, devices, expect, test } from '@playwright/test';
import { E2E_ADMIN, signIn } from './fixtures';

/**
 * Issue 5's journey in chromium: a researcher builds a study from generated images of the
 * built-in model and a pruned variant of it, three participants take it (mouse, keyboard, a
 * Prolific link), and the researcher sees the results and downloads the export.
 */
const PROMPTS = 'a photo of a red circle\na photo of a blue square\na photo of a green triangle';
const TRIALS = 3;

async function waitJob(request: APIRequestContext, id: string) {
  await expect
    .poll(async () => (await (await request.get(`/api/jobs/${id}`)).json()).job.status, { timeout: 120_000, intervals: [250, 500, 1000] })
    .toBe('succeeded');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test code reading known API shapes
async function json(res: Awaited<ReturnType<APIRequestContext["get"]>>): Promise<any> {
  expect(res.ok(), await res.text()).toBe(true);
  return res.json();
}

/** Two variants of the fixture model, each with images of the same prompts and seeds. */
async function prepareRuns(request: APIRequestContext) {
  const { models } = await json(await request.get('/api/models'));
  const model = models.find((m: { name: string }) => m.name === 'fixture-mmdit-12');
  const original = model.variants.find((v: { name: string }) => v.name === 'original');
  const name = `study-pruned-${Date.now().toString(36)}`;
  const { job } = await json(await request.post(`/api/models/${model.id}/compress`, { data: { variantId: original.id, name, recipe: { removeBlocks: '9-11', latencySteps: 0, calibrationSamples: 2 } } }));
  await waitJob(request, job.id);
  const pruned = (await json(await request.get(`/api/models/${model.id}`))).model.variants.find((v: { name: string }) => v.name === name);
  const runs: string[] = [];
  for (const variantId of [original.id, pruned.id]) {
    const r = await json(await request.post(`/api/models/${model.id}/generate`, { data: { variantId, promptSet: 'custom', customPrompts: PROMPTS, imagesPerPrompt: 1, steps: 2, seed: 11 } }));
    await waitJob(request, r.job.id);
    runs.push(r.runId);
  }
  return { arms: [{ variantId: original.id, runId: runs[0] }, { variantId: pruned.id, runId: runs[1] }], prunedName: name };
}

/** Answers the screen on show: as an attention check says (or the opposite when failing), else the left picture. */
async function answerScreen(page: Page, how: 'mouse' | 'keyboard', opts: { failCheck?: boolean; double?: boolean } = {}) {
  const question = (await page.getByTestId('trial-question').textContent()) ?? '';
  let side: 'left' | 'right' = /RIGHT/.test(question) ? 'right' : 'left';
  if (/Attention check/.test(question) && opts.failCheck) side = side === 'left' ? 'right' : 'left';
  await expect(page.getByTestId(`choose-${side}`)).toBeEnabled();
  if (how === 'keyboard') await page.keyboard.press(side === 'left' ? 'ArrowLeft' : 'ArrowRight');
  else if (opts.double) await page.getByTestId(`choose-${side}-image`).dblclick();
  else await page.getByTestId(`choose-${side}-image`).click();
}

async function takeStudy(browser: Browser, url: string, how: 'mouse' | 'keyboard', opts: { failCheck?: boolean; reloadAfter?: number; double?: boolean; prolific?: boolean; phone?: boolean } = {}) {
  const { defaultBrowserType: _browser, ...phone } = devices['Pixel 7'];
  const context = await browser.newContext(opts.phone ? phone : {});
  await context.route('https://app.prolific.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Prolific says thanks</h1>' }));
  const page = await context.newPage();
  await page.goto(url);
  await expect(page.getByTestId('consent-text')).toBeVisible();
  await page.getByTestId('consent-agree').click();
  await page.getByTestId('instructions-begin').click();
  const total = TRIALS + 1;
  for (let i = 0; i < total; i++) {
    await expect(page.getByTestId('trial-progress')).toHaveText(`Screen ${i + 1} of ${total}`);
    // both pictures load before an answer counts
    for (const side of ['left', 'right']) await expect.poll(() => page.getByAltText(side === 'left' ? 'Left picture' : 'Right picture').evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
    await answerScreen(page, how, { failCheck: opts.failCheck, double: opts.double && i === 0 });
    if (opts.reloadAfter === i + 1) {
      await expect(page.getByTestId('trial-progress')).toHaveText(`Screen ${i + 2} of ${total}`);
      await page.reload();
      // resumes at the same place, without consent or instructions again
      await expect(page.getByTestId('trial-progress')).toHaveText(`Screen ${i + 2} of ${total}`);
    }
  }
  if (opts.prolific) {
    await expect(page.getByTestId('completion-code')).toHaveText('E2ECODE');
    await page.waitForURL(/app\.prolific\.com\/submissions\/complete\?cc=E2ECODE/, { timeout: 15_000 });
    await expect(page.getByRole('heading', { name: 'Prolific says thanks' })).toBeVisible();
  } else {
    await expect(page.getByRole('heading', { name: 'Thank you!' })).toBeVisible();
  }
  await context.close();
}

test.describe.serial('a perceptual study, end to end', () => {
  let studyUrl = '';
  let studyId = '';
  let prunedName = '';

  test('a researcher builds a study from generated images and opens it', async ({ page }) => {
    test.setTimeout(240_000);
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password, '/research/studies');
    const prepared = await prepareRuns(page.request);
    const arms = prepared.arms;
    prunedName = prepared.prunedName;
    await page.goto('/research/studies/new');
    await page.getByTestId('study-title').fill('Original vs pruned (e2e)');
    for (const [i, arm] of arms.entries()) {
      if (i > 0 && !(await page.getByTestId(`study-arm-variant-${i}`).count())) await page.getByTestId('study-add-arm').click();
      await page.getByTestId(`study-arm-variant-${i}`).selectOption(arm.variantId);
      await page.getByTestId(`study-arm-run-${i}`).selectOption(arm.runId);
    }
    await page.getByTestId('study-trials').fill(String(TRIALS));
    await page.getByTestId('study-instructed').fill('1');
    await page.getByTestId('study-gold').fill('0');
    await page.getByTestId('study-prolific-code').fill('E2ECODE');
    // a test answers in milliseconds: only the attention check should flag anyone here
    await page.getByTestId('study-min-ms').fill('0');
    await page.getByTestId('study-submit').click();
    await expect(page.getByTestId('study-status')).toHaveText(/draft/i);
    studyId = page.url().split('/').pop()!;
    await page.getByTestId('study-open').click();
    await expect(page.getByTestId('study-status')).toHaveText(/open/i);
    studyUrl = new URL((await page.getByTestId('study-link').textContent())!.trim()).pathname;
    expect(studyUrl).toMatch(/^\/s\/[A-Za-z0-9_-]+$/);
  });

  test('three participants take it by mouse, keyboard and on a phone; a reload resumes, a double click counts once, a Prolific link ends at the completion code', async ({ browser }) => {
    test.setTimeout(180_000);
    await takeStudy(browser, studyUrl, 'mouse', { failCheck: true, double: true });
    await takeStudy(browser, studyUrl, 'keyboard', { reloadAfter: 2 });
    await takeStudy(browser, `${studyUrl}?PROLIFIC_PID=e2epid001&STUDY_ID=st1&SESSION_ID=se1`, 'mouse', { prolific: true, phone: true });
  });

  test('the researcher sees the results and downloads every vote', async ({ page }) => {
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password, `/research/studies/${studyId}`);
    await expect(page.getByTestId('dashboard-started')).toContainText('3');
    await expect(page.getByTestId('dashboard-completed')).toContainText('3');
    await expect(page.getByTestId('dashboard-flagged')).toContainText('1');
    // 3 participants x 3 comparisons, one question each; the double click counted once
    await expect(page.getByTestId('dashboard-votes')).toContainText('9');
    await expect(page.getByTestId('winrate-table')).toContainText('original');
    await expect(page.getByTestId('participants-table')).toContainText('failed 1 of 1 attention checks');
    const download = page.waitForEvent('download');
    await page.getByTestId('export-csv').click();
    const csv = fs.readFileSync(await (await download).path(), 'utf8').trim().split('\n');
    // one row per answer: 3 participants x (3 comparisons + 1 check)
    expect(csv).toHaveLength(1 + 12);
    expect(csv[0].split(',')).toContain('left_variant');
    expect(csv.join('\n')).not.toContain('e2epid001');
    const jsonl = await page.request.get(`/api/studies/${studyId}/export?format=jsonl`);
    expect((await jsonl.text()).trim().split('\n')).toHaveLength(12);
  });

  test('nothing a participant receives names a model, and closed studies take no votes', async ({ page, playwright }) => {
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password, `/research/studies/${studyId}`);
    const { study } = await json(await page.request.get(`/api/studies/${studyId}`));
    const secrets: string[] = study.arms.flatMap((a: { variantId: string; variantName: string; modelId: string; modelName: string; runId: string }) => [a.variantId, a.variantName, a.modelId, a.modelName, a.runId]);
    const participant = await playwright.request.newContext({ baseURL: page.url().replace(/\/research.*$/, '') });
    const slug = studyUrl.split('/').pop()!;
    const seen: string[] = [];
    const start = await participant.post(`/api/s/${slug}/session`, { data: { consent: true } });
    seen.push(await start.text(), JSON.stringify(start.headers()));
    const state = (await start.json()).state;
    for (const src of [state.trial.images.left, state.trial.images.right]) {
      const img = await participant.get(src);
      expect(img.headers()['content-type']).toBe('image/webp');
      expect(img.headers().etag).toBeUndefined();
      expect(img.headers()['content-disposition']).toBeUndefined();
      seen.push(JSON.stringify(img.headers()), (await img.body()).toString('latin1'));
    }
    const page2 = await participant.get(`/s/${slug}`);
    seen.push(await page2.text());
    for (const text of seen) for (const s of secrets) expect(text).not.toContain(s);
    // another participant's trial is refused
    const other = await playwright.request.newContext({ baseURL: page.url().replace(/\/research.*$/, '') });
    await other.post(`/api/s/${slug}/session`, { data: { consent: true } });
    const body = { idempotencyKey: 'e2e-key-0001', answers: state.trial.questions.map((q: { key: string }) => ({ key: q.key, choice: 'left', responseMs: 900 })) };
    expect((await other.post(`/api/s/${slug}/trials/${state.trial.token}`, { data: body })).status()).toBe(403);
    // once closed, no votes
    await page.getByTestId('study-close').click();
    await expect(page.getByTestId('study-status')).toHaveText(/closed/i);
    const late = await participant.post(`/api/s/${slug}/trials/${state.trial.token}`, { data: body });
    expect(late.status()).toBe(409);
    expect((await late.json()).error.message).toMatch(/closed/);
    await participant.dispose();
    await other.dispose();
  });

  test('the leaderboard shows the ratings with their charts, a snapshot keeps them, and the exports match the API', async ({ page }) => {
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password, '/leaderboard');
    const pruned = page.getByTestId('leaderboard-row').filter({ hasText: prunedName });
    await expect(pruned).toContainText('from original');
    await expect(pruned.getByTestId('cell-human')).toContainText(/\d+ votes/);
    await expect(pruned.getByTestId('cell-degradation')).toContainText('%');
    for (const id of ['chart-pareto-memory', 'chart-pareto-latency', 'chart-ratings', 'chart-winrate', 'chart-votes-over-time']) {
      const chart = page.getByTestId(id);
      await expect(chart.locator('svg[role="img"]').first()).toBeVisible();
      await expect(chart.getByTestId('chart-table')).toHaveCount(1);
    }
    // sorting and filtering happen in the page
    await page.getByTestId('filter-recipe').fill(prunedName);
    await expect(page.getByTestId('leaderboard-row')).toHaveCount(1);
    await page.getByTestId('filter-recipe').fill('');

    // the CSV and JSON downloads say what the public API says
    const api = await (await page.request.get('/api/v1/leaderboard')).json();
    const csv = (await (await page.request.get('/api/v1/leaderboard?format=csv')).text()).trim().split('\n');
    expect(csv).toHaveLength(1 + api.leaderboard.rows.length);
    const header = csv[0].split(',');
    const apiRow = api.leaderboard.rows.find((r: { variantName: string }) => r.variantName === prunedName);
    const csvRow = csv.find((l) => l.includes(apiRow.variantId))!.split(',');
    expect(Number(csvRow[header.indexOf('human_votes')])).toBe(apiRow.human.votes);
    expect(Number(csvRow[header.indexOf('human_rating')])).toBeCloseTo(apiRow.human.value, 6);
    expect(Number(csvRow[header.indexOf('degradation')])).toBeCloseTo(apiRow.degradation.value, 9);

    await page.getByTestId('snapshot-title').fill('e2e snapshot');
    await page.getByTestId('snapshot-publish').click();
    await expect(page.getByTestId('snapshot-title-heading')).toHaveText('e2e snapshot');
    const snapshotId = page.url().split('/').pop()!;
    await expect(page.getByTestId('snapshot-url')).toContainText(`/leaderboard/snapshots/${snapshotId}`);
    await expect(page.getByTestId('leaderboard-row').filter({ hasText: prunedName }).getByTestId('cell-human')).toContainText(`${apiRow.human.votes} votes`);
    const snap = await (await page.request.get(`/api/v1/snapshots/${snapshotId}`)).json();
    expect(snap.snapshot.data.rows.find((r: { variantId: string }) => r.variantId === apiRow.variantId).human.votes).toBe(apiRow.human.votes);
    await page.goto('/leaderboard');
    await expect(page.getByTestId('live-diff')).toContainText('e2e snapshot');
  });
});
