import { z } from 'zod';
import { defineJob, UnrecoverableError } from '../types';

/**
 * Scores a generation run's images with GenEval, HPS or CLIPScore and keeps the report. GenEval's
 * `detector` is "configured" (GENEVAL_DETECTOR_DIR, else the built-in fixture) or "shapes" (the
 * shapes world's own); left out, a run on the shapes prompts gets the shapes one.
 */
export const scoreJob = defineJob({
  name: 'score',
  title: 'Score images',
  payload: z.object({ runId: z.string().min(1), scorer: z.enum(['geneval', 'hps', 'clipscore']), detector: z.enum(['configured', 'shapes']).optional() }),
  maxAttempts: 2,
  async run({ runId, scorer, detector: detectorChoice }, ctx) {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { env } = await import('../../env');
    const { AppError } = await import('../../errors');
    const scores = await import('../../scores/service');
    const tmp = path.join(env().dataDir, 'tmp', 'jobs', ctx.jobId);
    fs.rmSync(tmp, { recursive: true, force: true });
    try {
      await ctx.progress(0.05, 'collecting the images');
      const run = await scores.materialiseRun(runId, tmp);
      if (scorer === 'geneval' && !run.geneval) throw new UnrecoverableError('GenEval needs GenEval prompts with their metadata');
      const onProgress = (d: number, t: number) => void ctx.progress(0.15 + 0.8 * (d / t), `${d}/${t} images`);
      let saved;
      if (scorer === 'geneval') {
        const { scoreGenEval } = await import('../../scoring/geneval');
        const { detector, fixture } = await scores.genevalDetector(detectorChoice ?? scores.defaultGenEvalDetector(run.promptSet));
        await ctx.progress(0.15, `scoring ${run.images} images with geneval, detector ${detector.id}${fixture ? ' (built-in fixture)' : ''}`);
        const colourClassifier = await scores.genevalColourClassifier();
        const report = await scoreGenEval(tmp, { detector, colourClassifier, onProgress }).finally(() => colourClassifier?.release());
        const version = scores.genevalScoreVersion(report);
        saved = await scores.saveScore({ runId, scorer, version, fixture: fixture || report.colourClassifier.fixture, score: report.overall.score, ciLow: report.overall.ci?.[0] ?? null, ciHigh: report.overall.ci?.[1] ?? null, report, jobId: ctx.jobId });
      } else {
        const { dir, fixture } = await scores.scorerDir(scorer);
        await ctx.progress(0.15, `scoring ${run.images} images with ${scorer}${fixture ? ' (built-in fixture scorer)' : ''}`);
        const report = scorer === 'hps' ? await (await import('../../scoring/hps')).scoreHps(tmp, dir) : await (await import('../../scoring/clip-score')).scoreClip(tmp, dir);
        const version = 'hpsVersion' in report ? report.hpsVersion : `w=${report.w}`;
        const ci = report.overall.ci95;
        saved = await scores.saveScore({ runId, scorer, version, fixture: report.scorer.fixture, score: report.overall.mean, ciLow: ci?.[0] ?? null, ciHigh: ci?.[1] ?? null, report, jobId: ctx.jobId });
      }
      return { scoreId: saved.id, score: saved.score };
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw new UnrecoverableError(err.message);
      throw err;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
});
