import os from 'node:os';
import { SIGMA_SAMPLINGS, type TSigmaSampling } from '../../lib/train/data';
import { runTraining } from '../../lib/train/run';
import { PIXEL_HEAD_CHANNELS, SHAPES_MODEL_DEFAULTS } from '../../lib/train/shapes-model';
import { SHAPES_TRAINING_DEFAULTS, TRAINING_ENGINES, type TTrainingEngine } from '../../lib/train/train';
import { intFlag, numberFlag, type TCommand, UsageError } from '../framework';

/** --head's choices as model settings. */
const HEADS = { pixel: { pixelHead: PIXEL_HEAD_CHANNELS, outputConv: false }, conv: { pixelHead: 0, outputConv: true }, none: { pixelHead: 0, outputConv: false } } as const;

function defaultHead(): keyof typeof HEADS {
  return SHAPES_MODEL_DEFAULTS.pixelHead ? 'pixel' : SHAPES_MODEL_DEFAULTS.outputConv ? 'conv' : 'none';
}

export const train: TCommand = {
  name: 'train',
  summary: 'Train the shapes-world text-to-image model (rectified flow, the ONNX graph differentiated and run by onnxruntime); checkpoints, sample grids, an ONNX export.',
  options: {
    out: { type: 'string', description: 'run folder: checkpoint/, model/ (diffusers ONNX), samples/ (required)', valueName: 'DIR' },
    steps: { type: 'string', description: 'train until this many steps in total; a new run also plans its learning-rate decay over them (default 4000)', valueName: 'N' },
    lr: { type: 'string', description: 'peak learning rate of a new run (default 0.0015)', valueName: 'X' },
    batch: { type: 'string', description: 'examples per step (default 32)', valueName: 'B' },
    seed: { type: 'string', description: 'seed of the initial weights, the data and the noise (default 0)', valueName: 'X' },
    'sigma-sampling': { type: 'string', description: `how a new run draws noise levels: ${SIGMA_SAMPLINGS.join(' or ')} (default ${SHAPES_TRAINING_DEFAULTS.sigmaSampling})`, valueName: 'HOW' },
    prediction: { type: 'string', description: `what a new run's model predicts: clean (the clean image, returning the velocity from it) or velocity (default ${SHAPES_MODEL_DEFAULTS.xPrediction ? 'clean' : 'velocity'})`, valueName: 'WHAT' },
    head: { type: 'string', description: `a new run's output head after the blocks: pixel (convs that also see the noisy input), conv (a residual 3x3 conv) or none (default ${defaultHead()})`, valueName: 'KIND' },
    engine: { type: 'string', description: `what computes the gradients: onnxruntime (the model's ONNX graph with its backward pass) or tfjs (its tfjs mirror on WebAssembly, 6-8x slower here) (default onnxruntime)`, valueName: 'NAME' },
    hidden: { type: 'string', description: `a new run's model width (default ${SHAPES_MODEL_DEFAULTS.hidden}; a multiple of 4 and of --heads)`, valueName: 'D' },
    blocks: { type: 'string', description: `a new run's transformer blocks (default ${SHAPES_MODEL_DEFAULTS.blocks})`, valueName: 'N' },
    heads: { type: 'string', description: `a new run's attention heads (default ${SHAPES_MODEL_DEFAULTS.heads})`, valueName: 'N' },
    workers: { type: 'string', description: "threads per step: onnxruntime's threads, or tfjs's worker threads splitting each batch (default: 2, or 1 on a one-core machine)", valueName: 'N' },
    resume: { type: 'boolean', description: 'continue the run saved in --out (its own batch, seed and planned length)' },
    'init-from': { type: 'string', description: 'start a new run from the weights of another run (its folder or checkpoint/); parts it lacks start fresh', valueName: 'DIR' },
    replan: { type: 'boolean', description: 'with --resume and --steps: move the end of the learning-rate schedule to --steps' },
    'checkpoint-every': { type: 'string', description: 'save a checkpoint every N steps (default 100)', valueName: 'N' },
    'sample-every': { type: 'string', description: 'export and draw a sample grid every N steps (default 500)', valueName: 'N' },
    json: { type: 'boolean', description: 'print the summary as JSON' },
  },
  details:
    'A run stopped at any time continues with --resume from its last checkpoint, drawing the same batches an unbroken run would (bit for bit with the same --engine and --workers). Any run resumes on either engine.',
  async run({ values, positionals }) {
    if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    if (!values.out) throw new UsageError('--out DIR is required');
    const steps = values.steps === undefined && values.resume ? undefined : intFlag(values, 'steps', 4000, 1, 10_000_000);
    if (values.replan && !(values.resume && steps)) throw new UsageError('--replan goes with --resume and --steps N');
    if (values['init-from'] !== undefined && values.resume) throw new UsageError('--init-from starts a new run; --resume continues one: pass one of them');
    for (const flag of ['sigma-sampling', 'prediction', 'head', 'hidden', 'blocks', 'heads'] as const) if (values[flag] !== undefined && values.resume) throw new UsageError(`--${flag} is part of a new run; a resumed run keeps its own`);
    const sigmaSampling = (values['sigma-sampling'] ?? SHAPES_TRAINING_DEFAULTS.sigmaSampling) as TSigmaSampling;
    if (!SIGMA_SAMPLINGS.includes(sigmaSampling)) throw new UsageError(`--sigma-sampling must be ${SIGMA_SAMPLINGS.join(' or ')} (got ${JSON.stringify(sigmaSampling)})`);
    const prediction = values.prediction ?? (SHAPES_MODEL_DEFAULTS.xPrediction ? 'clean' : 'velocity');
    if (prediction !== 'clean' && prediction !== 'velocity') throw new UsageError(`--prediction must be clean or velocity (got ${JSON.stringify(prediction)})`);
    const engine = (values.engine ?? 'onnxruntime') as TTrainingEngine;
    if (!TRAINING_ENGINES.includes(engine)) throw new UsageError(`--engine must be ${TRAINING_ENGINES.join(' or ')} (got ${JSON.stringify(engine)})`);
    const head = (values.head as string | undefined) ?? defaultHead();
    if (!Object.hasOwn(HEADS, head)) throw new UsageError(`--head must be ${Object.keys(HEADS).join(', ')} (got ${JSON.stringify(head)})`);
    // sizes given only: a warm start takes the others from the run it starts from
    const sizes = Object.fromEntries(
      (['hidden', 'blocks', 'heads'] as const).filter((k) => values[k] !== undefined).map((k) => [k, intFlag(values, k, SHAPES_MODEL_DEFAULTS[k], k === 'hidden' ? 4 : 1, k === 'hidden' ? 1024 : 64)]),
    );
    const hidden = sizes.hidden ?? SHAPES_MODEL_DEFAULTS.hidden;
    const heads = sizes.heads ?? SHAPES_MODEL_DEFAULTS.heads;
    // the sine-cosine position embedding splits the width in four; attention splits it by head
    if (values['init-from'] === undefined && (hidden % 4 !== 0 || hidden % heads !== 0)) throw new UsageError(`--hidden must be a multiple of 4 and of --heads (got ${hidden} with ${heads} heads)`);
    const summary = await runTraining({
      out: values.out as string,
      steps,
      resume: Boolean(values.resume),
      replan: Boolean(values.replan),
      initFrom: values['init-from'] as string | undefined,
      engine,
      workers: intFlag(values, 'workers', Math.min(2, os.availableParallelism()), 1, 64),
      config: { ...sizes, batch: intFlag(values, 'batch', 32, 1, 4096), seed: intFlag(values, 'seed', 0, 0, 2 ** 31 - 1), lr: numberFlag(values, 'lr', 1.5e-3, 1e-6, 1), sigmaSampling, xPrediction: prediction === 'clean', ...HEADS[head as keyof typeof HEADS] },
      checkpointEvery: intFlag(values, 'checkpoint-every', 100, 1, 10_000_000),
      sampleEvery: intFlag(values, 'sample-every', 500, 1, 10_000_000),
      onStep: values.json
        ? undefined
        : (p) => {
            const eta = ((p.steps - p.step) * p.msPerStep) / 60_000;
            process.stderr.write(`\r  step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)} (smoothed ${p.smoothedLoss.toFixed(4)})  ${(p.msPerStep / 1000).toFixed(2)} s/step  ${eta.toFixed(1)} min left   `);
          },
    });
    if (!values.json) process.stderr.write('\n');
    if (values.json) console.log(JSON.stringify(summary, null, 2));
    else {
      console.log(`Trained to step ${summary.step} (from ${summary.startedAt}) in ${summary.out}`);
      console.log(`  checkpoint: ${summary.checkpoint}\n  model: ${summary.model}`);
      if (summary.samples.length) console.log(`  samples: ${summary.samples.join(', ')}`);
    }
    return 0;
  },
};
