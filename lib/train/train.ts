import path from 'node:path';
import { z } from 'zod';
import { randomMmditWeights, type TMmditConfig, type TWeights } from '../fixtures/mmdit';
import { Adam, ADAM_DEFAULTS } from './adam';
import { loadCheckpoint, saveCheckpoint, type TCheckpoint } from './checkpoint';
import { batchFor, SIGMA_SAMPLINGS, TextConditioner, type TSigmaSampling } from './data';
import { TfjsGradients, type TStepInputs } from './gradients';
import { SHAPES_LATENT_CHANNELS, SHAPES_LATENT_SIZE, SHAPES_MODEL_DEFAULTS, shapesInitialWeights, shapesMmditConfig, writeShapesBundle } from './shapes-model';
import { OnnxGradients } from './onnx-gradients';
import { GradientWorkers } from './workers';

/** Training choices of a new run that are not the model's sizes (those are SHAPES_MODEL_DEFAULTS). */
export const SHAPES_TRAINING_DEFAULTS = { sigmaSampling: 'logit-normal' } as const satisfies { sigmaSampling: TSigmaSampling };

export const ZTrainConfig = z.object({
  seed: z.number().int().nonnegative().default(SHAPES_MODEL_DEFAULTS.seed),
  batch: z.number().int().positive().default(32),
  lr: z.number().positive().default(ADAM_DEFAULTS.lr),
  blocks: z.number().int().positive().default(SHAPES_MODEL_DEFAULTS.blocks),
  hidden: z.number().int().positive().default(SHAPES_MODEL_DEFAULTS.hidden),
  heads: z.number().int().positive().default(SHAPES_MODEL_DEFAULTS.heads),
  /** The residual 3x3 output conv (TMmditConfig.outputConv). Checkpoints from before it existed have none. */
  outputConv: z.boolean().default(SHAPES_MODEL_DEFAULTS.outputConv),
  /** The model predicts the clean image and returns the velocity (TMmditConfig.xPrediction). Checkpoints from before it existed predict the velocity. */
  xPrediction: z.boolean().default(SHAPES_MODEL_DEFAULTS.xPrediction),
  /** Channels of the pixel head (TMmditConfig.pixelHead), 0 for none. Checkpoints from before it existed have none. */
  pixelHead: z.number().int().nonnegative().default(SHAPES_MODEL_DEFAULTS.pixelHead),
  /** Share of prompts replaced by "" so the model also learns the unconditional velocity guidance needs. */
  promptDropout: z.number().min(0).max(1).default(0.1),
  /** How σ is drawn (data.ts, TSigmaSampling). Checkpoints from before the choice existed drew uniformly. */
  sigmaSampling: z.enum(SIGMA_SAMPLINGS).default(SHAPES_TRAINING_DEFAULTS.sigmaSampling),
  /**
   * The planned length of the run: the learning rate warms up over `warmup` steps, holds, then
   * follows a cosine down to `lrFinal`·lr over the last `decay` share of `steps`. Past `steps`
   * (a run resumed with more) it stays at its final value.
   */
  steps: z.number().int().positive().default(4000),
  warmup: z.number().int().nonnegative().default(100),
  decay: z.number().min(0).max(1).default(0.3),
  lrFinal: z.number().min(0).max(1).default(0.1),
  /** Decay of the exponential moving average of the weights that exports and samples use. */
  ema: z.number().min(0).max(1).default(0.995),
  /** Where a warm-started run took its first weights from, and how many steps those had trained in all (see Trainer.create). */
  initFrom: z.object({ checkpoint: z.string(), step: z.number().int().nonnegative() }).optional(),
});
export type TTrainConfig = z.infer<typeof ZTrainConfig>;

/**
 * A configuration a checkpoint saved, read with the values its run had for fields added since
 * (where a newer default differs): no output conv, no pixel head, velocity prediction, σ drawn uniformly.
 */
export function savedConfig(saved: unknown): TTrainConfig {
  return ZTrainConfig.parse({ outputConv: false, xPrediction: false, pixelHead: 0, sigmaSampling: 'uniform', ...(saved as object) });
}

/** The learning rate of update `step` (0-based) under the run's schedule. */
export function learningRate(c: Pick<TTrainConfig, 'lr' | 'steps' | 'warmup' | 'decay' | 'lrFinal'>, step: number): number {
  if (step < c.warmup) return (c.lr * (step + 1)) / c.warmup;
  const decayStart = Math.round(c.steps * (1 - c.decay));
  if (step < decayStart) return c.lr;
  const progress = Math.min(1, (step - decayStart) / Math.max(1, c.steps - decayStart));
  const floor = c.lr * c.lrFinal;
  return floor + ((c.lr - floor) * (1 + Math.cos(Math.PI * progress))) / 2;
}

/**
 * What computes each step's loss and gradients:
 * - `onnxruntime` (the default): the model's own ONNX graph with its backward pass appended
 *   (lib/onnx/autodiff.ts), run by onnxruntime's CPU kernels; a step is 6-8x faster than tfjs's here (docs/BENCHMARKS.md);
 * - `tfjs`: the tfjs mirror of the graph (mmdit-tf.ts) on the WebAssembly backend, optionally
 *   split over worker threads; the independent implementation the tests check the first against.
 * Adam, the moving average and checkpoints are the same for both, so a run may resume on either.
 */
export const TRAINING_ENGINES = ['onnxruntime', 'tfjs'] as const;
export type TTrainingEngine = (typeof TRAINING_ENGINES)[number];

export type TTrainerOptions = {
  engine?: TTrainingEngine;
  /**
   * Threads per step: onnxruntime's intra-op threads, or tfjs's worker threads that split each
   * batch (data parallelism; tfjs's wasm backend runs one thread per backend in Node). Not part
   * of a run's configuration, but a resumed run is bit-identical only with the same engine and
   * count: the gradient sums round differently.
   */
  workers?: number;
};

/** Computes a step's loss and gradients for the current weights: plain arrays in, plain arrays out. */
type TGradientEngine = {
  lossAndGrads(weights: TWeights, inputs: TStepInputs): Promise<{ loss: number; grads: Record<string, Float32Array> }>;
  close(): Promise<void>;
  readonly tensors: number[];
};

export type TStepResult = { step: number; loss: number; ms: number };

/**
 * Rectified-flow training of the shapes model. With σ drawn as the config says, x_σ = (1 − σ)·x0 + σ·noise and
 * the model, fed t = 1000·σ, regresses the velocity noise − x0 (MSE): the flow-match Euler sampler
 * (lib/inference/schedulers.ts) steps σ from 1 to 0 by x ← x + (σ_next − σ)·v, so it follows
 * exactly this velocity back to the data. Every step's batch is a function of (seed, step), and
 * a checkpoint holds weights, Adam's moments and the step: a resumed run continues bit for bit.
 */
export class Trainer {
  step = 0;

  private constructor(
    public config: TTrainConfig,
    readonly mmdit: TMmditConfig,
    private readonly text: TextConditioner,
    /** The weights Adam updates, in place. */
    private readonly vars: TWeights,
    private readonly adam: Adam,
    /** The moving average of the weights (see TTrainConfig.ema). */
    private readonly ema: TWeights,
    private readonly engine: TGradientEngine,
  ) {}

  /**
   * A fresh run from the shapes model's initial weights (shapesInitialWeights). `workDir` receives the frozen text
   * parts (tokenizer, text encoder) as a bundle, the ones export writes again.
   *
   * With `initFrom`, a warm start: every weight the checkpoint has starts at its (raw) value there,
   * and the ones it lacks (a part added since, such as the output conv) at their initial values.
   * The optimiser, step count and schedule start afresh. The model's sizes and seed (which seeds
   * the frozen text encoder) must be the checkpoint's. From a model that predicted the velocity
   * to one that predicts the clean image (or back), or to another pixel head, the output head
   * (OUTPUT_HEAD) starts afresh: the blocks' features carry over, what the head made of them does not.
   */
  static async create(input: Partial<TTrainConfig>, workDir: string, o: TTrainerOptions & { initFrom?: string } = {}): Promise<Trainer> {
    if (!o.initFrom) {
      const config = ZTrainConfig.parse(input);
      return this.open(config, workDir, shapesInitialWeights(shapesMmditConfig(config), config.seed), null, o);
    }
    const source = loadCheckpoint(o.initFrom);
    const from = savedConfig(source.config);
    // sizes not given are the source's
    const config = ZTrainConfig.parse({ blocks: from.blocks, hidden: from.hidden, heads: from.heads, ...input, initFrom: { checkpoint: path.resolve(o.initFrom), step: source.step + (from.initFrom?.step ?? 0) } });
    for (const k of ['blocks', 'hidden', 'heads', 'seed'] as const) {
      if (config[k] !== from[k]) throw new Error(`--init-from ${o.initFrom}: its ${k} is ${from[k]}, this run's ${config[k]}; a warm start keeps the model's sizes and seed`);
    }
    // the output head of a model that predicted the other quantity (velocity or clean image) would start wrong: it starts afresh
    const sameHead = config.xPrediction === from.xPrediction && config.pixelHead === from.pixelHead;
    const kept = sameHead ? source.weights : Object.fromEntries(Object.entries(source.weights).filter(([name]) => !OUTPUT_HEAD.test(name)));
    return this.open(config, workDir, warmStartWeights(shapesInitialWeights(shapesMmditConfig(config), config.seed), kept, o.initFrom), null, o);
  }

  /** Continues the run saved in `checkpointDir` with its own configuration. */
  static async resume(checkpointDir: string, workDir: string, o: TTrainerOptions = {}): Promise<Trainer> {
    const c = loadCheckpoint(checkpointDir);
    const trainer = await this.open(savedConfig(c.config), workDir, c.weights, c, o);
    trainer.step = c.step;
    return trainer;
  }

  private static async open(config: TTrainConfig, workDir: string, weights: TWeights, from: TCheckpoint | null, o: TTrainerOptions): Promise<Trainer> {
    const mmdit = shapesMmditConfig(config);
    const textDir = path.join(workDir, 'text-parts');
    writeShapesBundle(textDir, config, randomMmditWeights(mmdit, config.seed));
    const text = await TextConditioner.open(textDir);
    const vars = copyWeights(weights);
    const adam = new Adam({ ...ADAM_DEFAULTS, lr: config.lr }, vars);
    if (from) adam.restore(from.adamM, from.adamV, from.adamStep);
    // a checkpoint written before the average existed starts it from its weights
    const ema = copyWeights(from?.ema ?? weights);
    const engine: TGradientEngine =
      (o.engine ?? 'onnxruntime') === 'onnxruntime'
        ? await OnnxGradients.create(mmdit, config.batch, text.length, { threads: o.workers })
        : o.workers && o.workers > 1
          ? await GradientWorkers.start(o.workers, mmdit, weights)
          : await TfjsGradients.create(mmdit, weights);
    return new Trainer(config, mmdit, text, vars, adam, ema, engine);
  }

  async trainStep(): Promise<TStepResult> {
    const started = performance.now();
    const B = this.config.batch;
    const S = SHAPES_LATENT_SIZE;
    const C = SHAPES_LATENT_CHANNELS;
    const n = C * S * S;
    const batch = batchFor(this.config.seed, this.step, B, this.config);
    const cond = await this.text.encode(batch.prompts);
    const xt = new Float32Array(B * n);
    const target = new Float32Array(B * n);
    for (let b = 0; b < B; b++) {
      const s = batch.sigma[b];
      for (let k = b * n; k < (b + 1) * n; k++) {
        xt[k] = (1 - s) * batch.x0[k] + s * batch.noise[k];
        target[k] = batch.noise[k] - batch.x0[k];
      }
    }
    const states = new Float32Array(B * this.text.length * this.text.width);
    const pooled = new Float32Array(B * this.text.pooledWidth);
    cond.forEach((c, b) => {
      states.set(c.states, b * c.states.length);
      pooled.set(c.pooled, b * c.pooled.length);
    });
    const inputs: TStepInputs = { batch: B, xt, target, states, pooled, timestep: batch.sigma.map((s) => s * 1000), textLength: this.text.length };

    const { loss, grads } = await this.engine.lossAndGrads(this.vars, inputs);
    this.adam.apply(this.vars, grads, learningRate(this.config, this.step));
    this.updateAverage();
    this.step += 1;
    return { step: this.step, loss, ms: performance.now() - started };
  }

  /**
   * Moves the planned end of the run (and so where the learning rate decays) to `steps`: for a
   * run cut short or extended. From here on it is a different run from the one first planned.
   */
  replan(steps: number) {
    if (steps <= this.step) throw new Error(`the run is at step ${this.step} already: plan a longer one than ${steps}`);
    this.config = ZTrainConfig.parse({ ...this.config, steps });
  }

  /** ema ← d·ema + (1 − d)·w, with d ramping up over the first steps so early weights fade fast. */
  private updateAverage() {
    const d = Math.min(this.config.ema, (1 + this.step) / (10 + this.step));
    for (const [name, w] of Object.entries(this.vars)) {
      const avg = this.ema[name].data;
      const x = w.data;
      for (let i = 0; i < x.length; i++) avg[i] = d * avg[i] + (1 - d) * x[i];
    }
  }

  /** Live tfjs tensors of each gradient engine after the last step (empty for onnxruntime). */
  workerTensors(): number[] {
    return [...this.engine.tensors];
  }

  /** A copy of the raw weights, or of their moving average (what exports use). */
  async weights(which: 'raw' | 'ema' = 'raw'): Promise<TWeights> {
    return copyWeights(which === 'ema' ? this.ema : this.vars);
  }

  async save(checkpointDir: string) {
    saveCheckpoint(checkpointDir, {
      step: this.step,
      adamStep: this.adam.t,
      config: this.config,
      weights: await this.weights(),
      adamM: this.adam.m,
      adamV: this.adam.v,
      ema: this.ema,
    });
  }

  /** Writes the averaged weights as a diffusers ONNX bundle our pipeline (and the compression jobs) load. */
  async export(bundleDir: string, which: 'raw' | 'ema' = 'ema') {
    const before = this.config.initFrom?.step ?? 0;
    return writeShapesBundle(bundleDir, this.config, await this.weights(which), {
      // all the training these weights had, a warm start's source included
      trainedSteps: before + this.step,
      ...(before ? { warmStartedAt: before } : {}),
      weights: which === 'ema' ? `EMA ${this.config.ema}` : 'raw',
    });
  }

  async dispose() {
    await this.engine.close();
    await this.text.release();
  }
}

function copyWeights(w: TWeights): TWeights {
  return Object.fromEntries(Object.entries(w).map(([name, t]) => [name, { data: t.data.slice(), dims: [...t.dims] }]));
}

/** The weights that turn the last block's tokens into the model's prediction: the output projection, conv and pixel head. */
export const OUTPUT_HEAD = /^(proj_out|conv_out|pixel_head)\./;

/** `initial` with every tensor `source` has in its place (same dims required); `source` may not have tensors the model lacks. */
export function warmStartWeights(initial: TWeights, source: TWeights, from: string): TWeights {
  const unused = Object.keys(source).filter((k) => !(k in initial));
  if (unused.length) throw new Error(`--init-from ${from} has weights this model does not use: ${unused.slice(0, 3).join(', ')}${unused.length > 3 ? ', …' : ''}`);
  const out: TWeights = {};
  for (const [name, t] of Object.entries(initial)) {
    const s = source[name];
    if (s && (s.dims.length !== t.dims.length || s.dims.some((d, i) => d !== t.dims[i]))) throw new Error(`--init-from ${from}: ${name} is [${s.dims}], this model needs [${t.dims}]`);
    out[name] = s ? { data: s.data.slice(), dims: [...t.dims] } : t;
  }
  return out;
}
