import fs from 'node:fs';
import { AppError } from '../../lib/errors';
import { loadClipColourClassifier, type TClipColourClassifier } from '../../lib/scoring/colour-clip';
import { loadOnnxDetector, namedDetector } from '../../lib/scoring/onnx-detector';
import { scoreGenEval, type TGenEvalReport } from '../../lib/scoring/geneval';
import { SHAPES_DETECTOR } from '../../lib/shapes/detector';
import { intFlag, type TCommand, UsageError } from '../framework';

function table(r: TGenEvalReport): string[] {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '  -   ');
  const ci = (c: [number, number] | null) => (c ? `[${f(c[0])}, ${f(c[1])}]` : '');
  const lines = [
    `GenEval ${r.scorer.version}: ${r.imagesDir} (${r.totals.images} images, ${r.totals.prompts} prompts)`,
    `  detections: ${r.detections.source === 'file' ? `${r.detections.file} (sha256 ${r.detections.sha256.slice(0, 12)})` : `detector ${r.detections.id}`}`,
    `  colour classifier: ${r.colourClassifier.id} v${r.colourClassifier.version}: ${r.colourClassifier.title}`,
    '',
    `  ${'task'.padEnd(14)} ${'score'.padStart(6)}  ${'95% CI'.padEnd(16)}  ${'correct/images'.padStart(14)}  prompts`,
  ];
  for (const t of r.tasks) lines.push(`  ${t.tag.padEnd(14)} ${f(t.score)}  ${ci(t.ci).padEnd(16)}  ${`${t.correctImages}/${t.images}`.padStart(14)}  ${String(t.prompts).padStart(7)}`);
  lines.push(`  ${'overall'.padEnd(14)} ${f(r.overall.score)}  ${ci(r.overall.ci).padEnd(16)}  (mean of ${r.tasks.length} task scores${r.complete ? '' : '; INCOMPLETE: missing ' + r.missingTasks.join(', ')})`);
  if (r.bootstrap.rounds) lines.push('', `  intervals: ${r.bootstrap.method}, ${r.bootstrap.rounds} rounds, seed ${r.bootstrap.seed}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines;
}

/** Loads the --colour-clip folder; its errors name the flag. */
async function loadColourClip(dir: string): Promise<TClipColourClassifier> {
  try {
    return await loadClipColourClassifier(dir);
  } catch (err) {
    if (err instanceof AppError) throw new AppError(err.code, `--colour-clip: ${err.message}`);
    throw err;
  }
}

export const scoreGeneval: TCommand = {
  name: 'score geneval',
  summary: 'Score images in GenEval\'s folder layout with the GenEval protocol (objects, counts, colours, positions), with bootstrap 95% intervals.',
  args: 'IMAGES_DIR',
  options: {
    detections: { type: 'string', description: 'JSONL of per-image detections made elsewhere', valueName: 'FILE' },
    detector: { type: 'string', description: 'or: an ONNX object detector folder (model.onnx, labels.json, config.json) to run here, or "shapes" for the shapes world\'s built-in detector', valueName: 'DIR|shapes' },
    'colour-clip': { type: 'string', description: 'a CLIP-style scorer folder to judge colours with, as GenEval does (default: the pixel fallback)', valueName: 'DIR' },
    bootstrap: { type: 'string', description: 'bootstrap rounds for the 95% intervals (default 1000; 0 = none)', valueName: 'N' },
    seed: { type: 'string', description: 'bootstrap seed (default 0)', valueName: 'S' },
    out: { type: 'string', description: 'also write the full report (per prompt and per image) as JSON here', valueName: 'FILE' },
    json: { type: 'boolean', description: 'print the full report as JSON' },
  },
  details: [
    'IMAGES_DIR holds <prompt index>/metadata.jsonl and <prompt index>/samples/<k>.png, as \'arena generate\' writes them.',
    'Detections file: one line per image,',
    '  {"image": "00012/samples/0003.png", "width": 1024, "height": 1024,',
    '   "detections": [{"class": "dog", "score": 0.97, "box": [x1, y1, x2, y2], "mask": {"size": [h, w], "counts": "<COCO RLE>"}}]}',
    'width, height and mask are optional; give every detection (the scorer applies GenEval\'s thresholds).',
    '--detector shapes: the shapes world\'s detector (colour segmentation and shape moments), exact for images of',
    'circles, squares and triangles on the shapes prompts (\'arena generate --prompts shapes\'); it knows no other class.',
    '(An ONNX detector in a folder called shapes: write --detector ./shapes.)',
    'Colours: with --colour-clip DIR (onnx/vision_model.onnx + onnx/text_model.onnx, or onnx/model.onnx, as for HPS),',
    'zero-shot CLIP on each object\'s crop with the background greyed out, GenEval\'s own method; without it, a pixel',
    'fallback (CIELAB rules) that is not GenEval\'s classifier. The report says which ran (clip:<model> or pixel-lab).',
    '(Score jobs in the web app take the folder from GENEVAL_CLIP_DIR.)',
  ].join('\n'),
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give exactly one IMAGES_DIR');
    if (!values.detections === !values.detector) {
      throw new UsageError('give either --detections FILE (detections made elsewhere, JSONL: see --help) or --detector DIR|shapes (an ONNX detector run here, or the shapes world\'s)');
    }
    const bootstrapRounds = intFlag(values, 'bootstrap', 1000, 0, 100_000);
    const seed = intFlag(values, 'seed', 0, 0, 2 ** 31 - 1);
    let report: TGenEvalReport;
    let colourClassifier: TClipColourClassifier | undefined;
    try {
      const detector = values.detector === 'shapes' ? SHAPES_DETECTOR : values.detector ? namedDetector(await loadOnnxDetector(values.detector as string)) : undefined;
      if (values['colour-clip']) colourClassifier = await loadColourClip(values['colour-clip'] as string);
      report = await scoreGenEval(positionals[0], {
        detector,
        detectionsFile: values.detections as string | undefined,
        colourClassifier,
        bootstrapRounds,
        seed,
        onProgress: (d, t) => void (!values.json && process.stderr.write(`\r  ${d}/${t} images`)),
      });
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw new UsageError(err.message);
      throw err;
    } finally {
      await colourClassifier?.release();
    }
    if (!values.json) process.stderr.write('\n');
    if (values.out) fs.writeFileSync(values.out as string, JSON.stringify(report, null, 2) + '\n');
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else console.log(table(report).join('\n'));
    return 0;
  },
};
