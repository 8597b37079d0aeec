/**
 * Samplers, as diffusers configures them in a bundle's scheduler/scheduler_config.json.
 * - FlowMatchEulerDiscreteScheduler (SD3, FLUX): the model predicts a velocity v; sigmas run from
 *   1 to 0 (shifted: s·σ / (1 + (s−1)·σ)); x ← x + (σ_next − σ)·v; the model sees t = 1000·σ.
 *   With `stochastic_sampling` (diffusers' option of the same name) each step instead re-noises
 *   the predicted clean latent to the next σ with fresh noise.
 * - DDIMScheduler and EulerDiscreteScheduler (SD 1.5/2.1): the model predicts the noise ε on a
 *   scaled-linear β schedule.
 */
export type TSchedulerConfig = {
  _class_name: string;
  num_train_timesteps?: number;
  shift?: number;
  beta_start?: number;
  beta_end?: number;
  beta_schedule?: string;
  steps_offset?: number;
  prediction_type?: string;
  /** FlowMatchEulerDiscreteScheduler: x ← (1 − σ_next)·x̂0 + σ_next·ε with fresh ε, x̂0 = x − σ·v. */
  stochastic_sampling?: boolean;
};

/** Fresh standard-normal noise the size of the latent, for stochastic samplers (the pipeline seeds it per generation and step). */
export type TFreshNoise = () => Float32Array;

export interface Sampler {
  readonly name: string;
  /** The timesteps the denoiser is called with, one per step. */
  readonly timesteps: number[];
  /** Scales the noise before the first step. */
  readonly initNoiseSigma: number;
  /** What the denoiser sees at step i (identity except for Euler on ε-models). */
  scaleInput(x: Float32Array, i: number): Float32Array;
  /**
   * The latent after step i, from the latent before it and the model's (guided) output.
   * Stochastic samplers draw `freshNoise` (deterministic ones never call it).
   */
  step(x: Float32Array, modelOutput: Float32Array, i: number, freshNoise?: TFreshNoise): Float32Array;
}

export class SchedulerError extends Error {}

export function makeSampler(config: TSchedulerConfig, steps: number): Sampler {
  if (!Number.isInteger(steps) || steps < 1) throw new SchedulerError(`steps must be a whole number of at least 1 (got ${steps})`);
  switch (config._class_name) {
    case 'FlowMatchEulerDiscreteScheduler':
      return flowMatchEuler(config, steps);
    case 'DDIMScheduler':
      return ddim(config, steps);
    case 'EulerDiscreteScheduler':
      return eulerEpsilon(config, steps);
    default:
      throw new SchedulerError(`scheduler ${config._class_name} is not supported (FlowMatchEulerDiscreteScheduler, DDIMScheduler, EulerDiscreteScheduler are)`);
  }
}

function flowMatchEuler(config: TSchedulerConfig, steps: number): Sampler {
  const T = config.num_train_timesteps ?? 1000;
  const shift = config.shift ?? 1;
  // diffusers: linspace(1, 1/T, steps), shifted, then a final 0
  const raw = Array.from({ length: steps }, (_, i) => (steps === 1 ? 1 : 1 + ((1 / T - 1) * i) / (steps - 1)));
  return flowMatchSampler(`flow-match Euler (shift ${shift})`, shiftSigmas(raw, shift), T, { stochastic: stochasticSampling(config) });
}

/** The config's `stochastic_sampling`, refused unless a boolean (a string "true" would otherwise pass for false). */
export function stochasticSampling(config: TSchedulerConfig): boolean {
  const v = config.stochastic_sampling;
  if (v !== undefined && typeof v !== 'boolean') throw new SchedulerError(`stochastic_sampling must be true or false (got ${JSON.stringify(v)})`);
  return v === true;
}

/** The flow-match time shift: σ ↦ s·σ / (1 + (s−1)·σ) (s > 1 spends more steps at high noise). */
export function shiftSigmas(sigmas: number[], shift: number): number[] {
  return sigmas.map((sigma) => (shift * sigma) / (1 + (shift - 1) * sigma));
}

/**
 * Euler on a flow-matching model's velocity over `sigmas` (one per step, from high noise down; a
 * final 0 is appended): x ← x + (σ_next − σ)·v, the model seeing t = T·σ. SD3's and FLUX's
 * samplers differ only in the sigmas.
 *
 * `stochastic` follows diffusers' `stochastic_sampling`: the step predicts the clean latent
 * x̂0 = x − σ·v and puts it back on the path at σ_next with fresh noise, (1 − σ_next)·x̂0 + σ_next·ε.
 * Each step forgets the previous noise, so a model's error at one step is not carried along the
 * trajectory the way Euler carries it; the last step (σ_next = 0) returns x̂0 in both.
 */
export function flowMatchSampler(name: string, sigmas: number[], T: number, o: { stochastic?: boolean } = {}): Sampler {
  const all = [...sigmas, 0];
  return {
    name: o.stochastic ? `${name}, stochastic` : name,
    timesteps: sigmas.map((sigma) => sigma * T),
    initNoiseSigma: 1,
    scaleInput: (x) => x,
    step(x, v, i, freshNoise) {
      const [sigma, next] = [all[i], all[i + 1]];
      const out = new Float32Array(x.length);
      if (!o.stochastic || next === 0) {
        for (let k = 0; k < x.length; k++) out[k] = x[k] + (next - sigma) * v[k];
        return out;
      }
      if (!freshNoise) throw new SchedulerError('a stochastic flow-match step needs fresh noise');
      const eps = freshNoise();
      if (eps.length !== x.length) throw new SchedulerError(`fresh noise has ${eps.length} values for a latent of ${x.length}`);
      for (let k = 0; k < x.length; k++) out[k] = (1 - next) * (x[k] - sigma * v[k]) + next * eps[k];
      return out;
    },
  };
}

/** ᾱ_t for t = 0..T−1 of the config's β schedule (scaled_linear unless it says linear). */
export function alphasCumprod(config: TSchedulerConfig): Float64Array {
  const T = config.num_train_timesteps ?? 1000;
  const b0 = config.beta_start ?? 0.00085;
  const b1 = config.beta_end ?? 0.012;
  const schedule = config.beta_schedule ?? 'scaled_linear';
  const out = new Float64Array(T);
  let prod = 1;
  for (let t = 0; t < T; t++) {
    const f = T === 1 ? 0 : t / (T - 1);
    const beta = schedule === 'linear' ? b0 + (b1 - b0) * f : (Math.sqrt(b0) + (Math.sqrt(b1) - Math.sqrt(b0)) * f) ** 2;
    prod *= 1 - beta;
    out[t] = prod;
  }
  return out;
}

function leadingTimesteps(config: TSchedulerConfig, steps: number): number[] {
  const T = config.num_train_timesteps ?? 1000;
  const ratio = Math.floor(T / steps);
  return Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio + (config.steps_offset ?? 0));
}

function checkEpsilon(config: TSchedulerConfig) {
  if (config.prediction_type && config.prediction_type !== 'epsilon') throw new SchedulerError(`prediction_type ${config.prediction_type} is not supported (epsilon is)`);
}

function ddim(config: TSchedulerConfig, steps: number): Sampler {
  checkEpsilon(config);
  const ac = alphasCumprod(config);
  const timesteps = leadingTimesteps(config, steps);
  return {
    name: 'DDIM (η = 0)',
    timesteps,
    initNoiseSigma: 1,
    scaleInput: (x) => x,
    step(x, eps, i) {
      const a = ac[timesteps[i]];
      const prev = i + 1 < steps ? ac[timesteps[i + 1]] : ac[0];
      const out = new Float32Array(x.length);
      for (let k = 0; k < x.length; k++) {
        const x0 = (x[k] - Math.sqrt(1 - a) * eps[k]) / Math.sqrt(a);
        out[k] = Math.sqrt(prev) * x0 + Math.sqrt(1 - prev) * eps[k];
      }
      return out;
    },
  };
}

function eulerEpsilon(config: TSchedulerConfig, steps: number): Sampler {
  checkEpsilon(config);
  const ac = alphasCumprod(config);
  const timesteps = leadingTimesteps(config, steps);
  const sigmas = [...timesteps.map((t) => Math.sqrt((1 - ac[t]) / ac[t])), 0];
  return {
    name: 'Euler (ε)',
    timesteps,
    initNoiseSigma: Math.sqrt(sigmas[0] ** 2 + 1),
    scaleInput(x, i) {
      const c = 1 / Math.sqrt(sigmas[i] ** 2 + 1);
      return x.map((v) => v * c);
    },
    step(x, eps, i) {
      const dt = sigmas[i + 1] - sigmas[i];
      const out = new Float32Array(x.length);
      // for ε-prediction the derivative (x − x0)/σ is ε itself
      for (let k = 0; k < x.length; k++) out[k] = x[k] + dt * eps[k];
      return out;
    },
  };
}
