/**
 * How well the shapes detector reads the generator's own drawings, on held-out seeds (from
 * HELD_OUT_SEED; its rules were set on seeds below): precision and recall per class, colour
 * accuracy (the detector's palette colour and GenEval's pixel colour judge on its mask), recall
 * above GenEval's counting threshold, and GenEval end to end on the evaluation prompts' rendered
 * ground truth. Crisp renders, then blurred and noisy ones (closer to what a small model draws).
 *
 *   npx tsx lib/shapes/detector-accuracy.ts [--scenes 1000] [--sizes 16,32,64] [--images 4] [--json]
 */
import { parseArgs } from 'node:util';
import { HELD_OUT_SEED, measureDetector, type TAccuracyReport } from './accuracy';
import { shapesEvaluationSet } from './eval-set';
import { scoreGroundTruth } from './ground-truth-run';

const { values } = parseArgs({
  options: { scenes: { type: 'string', default: '1000' }, sizes: { type: 'string', default: '16,32,64' }, images: { type: 'string', default: '4' }, json: { type: 'boolean', default: false } },
});
const scenes = Number(values.scenes);
const sizes = values.sizes.split(',').map(Number);
const imagesPerPrompt = Number(values.images);
/** Crisp, then σ = 0.6 and 1 grid unit (1/16 of the image) with speckle. */
const CONDITIONS = [
  { blur: 0, noise: 0 },
  { blur: 0.6, noise: 4 },
  { blur: 1, noise: 6 },
];

const accuracy: TAccuracyReport[] = [];
for (const size of sizes) for (const c of CONDITIONS) accuracy.push(await measureDetector({ scenes, size, ...c }));
const prompts = shapesEvaluationSet();
const geneval = [];
for (const c of CONDITIONS) {
  const g = await scoreGroundTruth(prompts, { size: 16, imagesPerPrompt, ...c });
  geneval.push({ size: 16, ...c, overall: g.report.overall.score, tasks: Object.fromEntries(g.report.tasks.map((t) => [t.tag, t.score])), images: g.images, truthCorrect: g.truthCorrect, failed: g.report.images.filter((i) => !i.correct).slice(0, 5).map((i) => `${i.image}: ${i.failures.map((f) => f.message).join('; ')}`) });
}

if (values.json) {
  console.log(JSON.stringify({ heldOutSeed: HELD_OUT_SEED, accuracy, geneval }, null, 2));
} else {
  const f = (v: number) => v.toFixed(3);
  console.log(`shapes detector on ${scenes} held-out scenes (seeds ${HELD_OUT_SEED}-${HELD_OUT_SEED + scenes - 1}); blur σ in grid units (1/16 of the image), noise in levels`);
  console.log('size  blur  noise  objects  ' + ['circle', 'square', 'triangle'].map((c) => `${c} P/R`.padEnd(16)).join('') + 'colour det/judge  recall>0.9  exact scenes');
  for (const r of accuracy) {
    const cls = r.classes.map((c) => `${f(c.precision)}/${f(c.recall)}`.padEnd(16)).join('');
    console.log(`${String(r.size).padEnd(6)}${String(r.blur).padEnd(6)}${String(r.noise).padEnd(7)}${String(r.objects).padEnd(9)}${cls}${`${f(r.colour.detector)}/${f(r.colour.judge)}`.padEnd(18)}${f(r.recallForCounting).padEnd(12)}${f(r.exactScenes)}`);
  }
  const missed = accuracy.filter((r) => r.misses.length);
  for (const r of missed) console.log(`  not exact at ${r.size}px, blur ${r.blur}: ${r.misses.slice(0, 3).map((m) => `seed ${m.seed} "${m.prompt}": truth ${m.truth.join(', ')}; found ${m.detected.join(', ') || 'nothing'}`).join(' | ')}`);
  console.log(`\nGenEval (pixel colour judge) on the rendered ground truth of the ${prompts.length} evaluation prompts, ${imagesPerPrompt} images each, 16 px:`);
  for (const g of geneval) {
    console.log(`  blur ${g.blur}, noise ${g.noise}: overall ${f(g.overall)}  ${Object.entries(g.tasks).map(([t, s]) => `${t} ${f(s)}`).join('  ')}  (ground truth itself correct: ${g.truthCorrect}/${g.images})`);
    for (const line of g.failed) console.log(`    ${line}`);
  }
}
