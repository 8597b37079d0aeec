import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { buildUnet } from '../fixtures/unet';
import { DataType, valueInfoProto } from '../onnx/builder';
import { writeModel } from '../onnx/io';
import { checkBundle, denoiserFolder } from './bundle-check';

let dir: string;
const bundle: Record<string, string> = {};
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-bundle-check-'));
  for (const family of ['sd3', 'sd3-3enc', 'sd15', 'flux'] as const) {
    bundle[family] = path.join(dir, family);
    writeFixtureBundle(bundle[family], { family, blocks: 1, hidden: 32 });
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function copy(from: string, name: string, change: (d: string) => void) {
  const to = path.join(dir, name);
  fs.cpSync(bundle[from], to, { recursive: true });
  change(to);
  return to;
}
const editJson = (file: string, edit: (j: Record<string, unknown>) => void) => {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j));
};

describe('bundle validation', () => {
  it('accepts every family the pipeline runs, and finds its denoiser', () => {
    for (const family of ['sd3', 'sd3-3enc', 'sd15', 'flux']) expect(checkBundle(bundle[family]), family).toEqual([]);
    expect(denoiserFolder(bundle.sd15)).toBe('unet');
    expect(denoiserFolder(bundle.flux)).toBe('transformer');
    // SD3 without T5 is fine (diffusers feeds zeros); FLUX.1-schnell has no guidance input
    expect(checkBundle(copy('sd3-3enc', 'no-t5', (d) => fs.rmSync(path.join(d, 'text_encoder_3'), { recursive: true })))).toEqual([]);
    const schnell = path.join(dir, 'schnell');
    writeFixtureBundle(schnell, { family: 'flux', blocks: 1, hidden: 32, guidanceEmbeds: false });
    expect(checkBundle(schnell)).toEqual([]);
    // an index without _class_name: the files tell
    expect(checkBundle(copy('sd15', 'unnamed', (d) => editJson(path.join(d, 'model_index.json'), (j) => delete j._class_name)))).toEqual([]);
  });

  it('refuses a pipeline it does not run', () => {
    const sdxl = copy('sd15', 'sdxl', (d) => editJson(path.join(d, 'model_index.json'), (j) => (j._class_name = 'StableDiffusionXLPipeline')));
    expect(checkBundle(sdxl)).toEqual([expect.stringMatching(/declares the pipeline StableDiffusionXLPipeline, which is not supported \(StableDiffusion3Pipeline, StableDiffusionPipeline, FluxPipeline are\)/)]);
  });

  it('refuses parts that do not fit the declared pipeline, naming the file and the input', () => {
    // FLUX declared over an SD3 transformer
    const mixed = copy('flux', 'mixed', (d) => fs.cpSync(path.join(bundle['sd3-3enc'], 'transformer', 'model.onnx'), path.join(d, 'transformer', 'model.onnx')));
    const problems = checkBundle(mixed);
    expect(problems[0]).toBe('its ONNX parts do not take or give what FluxPipeline feeds and reads:');
    expect(problems).toContain('transformer/model.onnx input "hidden_states" has rank 4, expected 3');
    expect(problems).toContainEqual(expect.stringMatching(/^transformer\/model.onnx has no input "img_ids" \(it has hidden_states, encoder_hidden_states, pooled_projections, timestep\)$/));

    // SD 1.5 declared over an SD3 bundle: there is no UNet
    const sd3AsSd15 = copy('sd3', 'sd3-as-sd15', (d) => editJson(path.join(d, 'model_index.json'), (j) => (j._class_name = 'StableDiffusionPipeline')));
    expect(checkBundle(sd3AsSd15)).toContain('unet/model.onnx (the UNet, the denoiser) is missing (a StableDiffusionPipeline bundle needs it)');

    // SD3 declared over a FLUX bundle: the transformer takes inputs SD3 does not feed
    const fluxAsSd3 = copy('flux', 'flux-as-sd3', (d) => editJson(path.join(d, 'model_index.json'), (j) => (j._class_name = 'StableDiffusion3Pipeline')));
    expect(checkBundle(fluxAsSd3)).toContain('transformer/model.onnx takes "img_ids", "txt_ids", "guidance", which the pipeline does not feed');

    // T5 without CLIP-G: SD3 needs both CLIP encoders
    expect(checkBundle(copy('sd3-3enc', 'no-clip-g', (d) => fs.rmSync(path.join(d, 'text_encoder_2'), { recursive: true })))).toContain(
      'text_encoder_2/model.onnx (the CLIP-G text encoder) is missing (a StableDiffusion3Pipeline bundle needs it)',
    );

    // a FLUX CLIP encoder without a pooled output
    const noPooled = copy('flux', 'no-pooled', (d) => fs.cpSync(path.join(bundle.flux, 'text_encoder_2', 'model.onnx'), path.join(d, 'text_encoder', 'model.onnx')));
    expect(checkBundle(noPooled)).toContainEqual(expect.stringMatching(/^text_encoder\/model.onnx has no output "pooler_output" or "text_embeds"/));
  });

  it('checks ranks: a UNet timestep may be a scalar or [batch], not more', () => {
    const withTimestep = (name: string, shape: (string | number)[]) =>
      copy('sd15', name, (d) => {
        const proto = buildUnet({ latentChannels: 4, latentSize: 8, channels: 32, heads: 4, crossAttentionDim: 32, blocks: 1 }, 0);
        const inputs = proto.graph!.input;
        inputs[inputs.findIndex((i) => i.name === 'timestep')] = valueInfoProto('timestep', DataType.INT64, shape);
        writeModel(proto, path.join(d, 'unet', 'model.onnx'));
      });
    expect(checkBundle(withTimestep('unet-batch-timestep', ['batch']))).toEqual([]);
    expect(checkBundle(withTimestep('unet-matrix-timestep', ['batch', 1]))).toContain('unet/model.onnx input "timestep" has rank 2, expected 0 or 1');
  });

  it('still reports files that are not ONNX models and a missing index', () => {
    const broken = copy('flux', 'broken', (d) => {
      fs.truncateSync(path.join(d, 'vae_decoder', 'model.onnx'), 100);
      fs.rmSync(path.join(d, 'model_index.json'));
    });
    const problems = checkBundle(broken);
    expect(problems[0]).toBe('model_index.json is missing');
    expect(problems).toContainEqual(expect.stringMatching(/^vae_decoder\/model.onnx: not an ONNX model/));
  });
});
