import path from 'node:path';
import { FIXTURE_DEFAULTS, FIXTURE_FAMILIES, isFixtureFamily, writeFixtureBundle } from '../../lib/fixtures/bundle';
import { OnnxFormatError } from '../../lib/onnx/errors';
import { inspectModel } from '../../lib/onnx/inspect';
import { formatBytes, readModel } from '../../lib/onnx/io';
import { intFlag, type TCommand, UsageError } from '../framework';
import { describeScorerFixture, isScorerFixtureKind, writeScorerFixture } from './fixture-kinds';

export const fixture: TCommand = {
  name: 'fixture',
  summary: 'Write a small model for tests and demos: a text-to-image model (default), a CLIP-style scorer or an object detector.',
  options: {
    out: { type: 'string', description: 'folder to write (required)', valueName: 'DIR' },
    kind: { type: 'string', description: 'model (default: diffusers ONNX layout, SD3-style MMDiT), clip or detector', valueName: 'KIND' },
    family: { type: 'string', description: `with --kind model: ${Object.keys(FIXTURE_FAMILIES).join(', ')} (default sd3)`, valueName: 'FAMILY' },
    blocks: { type: 'string', description: `transformer blocks (default ${FIXTURE_DEFAULTS.blocks})`, valueName: 'N' },
    hidden: { type: 'string', description: `hidden size (default ${FIXTURE_DEFAULTS.hidden}; a multiple of the 4 heads)`, valueName: 'D' },
    seed: { type: 'string', description: `weight seed (default ${FIXTURE_DEFAULTS.seed})`, valueName: 'S' },
    json: { type: 'boolean', description: 'print a JSON summary' },
  },
  async run({ values }) {
    const out = values.out as string | undefined;
    if (!out) throw new UsageError('--out DIR is required');
    const blocks = intFlag(values, 'blocks', FIXTURE_DEFAULTS.blocks, 1, 128);
    const hidden = intFlag(values, 'hidden', FIXTURE_DEFAULTS.hidden, 4, 4096);
    const seed = intFlag(values, 'seed', FIXTURE_DEFAULTS.seed, 0, 2 ** 31 - 1);
    const kind = (values.kind as string | undefined) ?? 'model';
    if (kind !== 'model') {
      if (!isScorerFixtureKind(kind)) throw new UsageError(`--kind must be model, clip or detector (got ${JSON.stringify(kind)})`);
      const info = writeScorerFixture(kind, out, seed);
      console.log(values.json ? JSON.stringify(info, null, 2) : describeScorerFixture(info));
      return 0;
    }
    const family = (values.family as string | undefined) ?? 'sd3';
    if (!isFixtureFamily(family)) throw new UsageError(`--family must be ${Object.keys(FIXTURE_FAMILIES).join(', ')} (got ${JSON.stringify(family)})`);
    if (hidden % FIXTURE_DEFAULTS.heads !== 0) throw new UsageError(`--hidden must be a multiple of ${FIXTURE_DEFAULTS.heads} (got ${hidden})`);
    const info = writeFixtureBundle(path.resolve(out), { blocks, hidden, seed, family });
    if (values.json) console.log(JSON.stringify(info, null, 2));
    else console.log(`Wrote a ${blocks}-block ${family} fixture model (${FIXTURE_FAMILIES[family]}; hidden ${hidden}, seed ${seed}, ${info.imageSize}x${info.imageSize} images) to ${info.dir}`);
    return 0;
  },
};

export const inspect: TCommand = {
  name: 'inspect',
  summary: 'Show an ONNX model: inputs, outputs, operators, parameters and bytes per dtype, opsets.',
  args: 'MODEL.onnx',
  options: { json: { type: 'boolean', description: 'print JSON' } },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give exactly one .onnx file');
    let info;
    try {
      info = inspectModel(readModel(positionals[0], { loadExternalData: false }));
    } catch (err) {
      if (err instanceof OnnxFormatError) {
        console.error(`arena inspect: ${err.message}`);
        return 1;
      }
      throw err;
    }
    if (values.json) {
      console.log(JSON.stringify(info, null, 2));
      return 0;
    }
    const shape = (s: (number | string | null)[] | null) => (s ? `[${s.map((d) => d ?? '?').join(', ')}]` : '?');
    console.log(`${info.file}\n  IR ${info.irVersion}, opsets ${info.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}${info.producer ? `, made by ${info.producer}` : ''}`);
    console.log('  inputs:');
    for (const i of info.inputs) console.log(`    ${i.name}: ${i.dtype} ${shape(i.shape)}`);
    console.log('  outputs:');
    for (const o of info.outputs) console.log(`    ${o.name}: ${o.dtype} ${shape(o.shape)}`);
    console.log(`  ${info.nodeCount} nodes: ${Object.entries(info.ops).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`  ${info.parameters.toLocaleString('en-US')} parameters, ${formatBytes(info.bytes)}`);
    for (const [dtype, d] of Object.entries(info.byDtype)) console.log(`    ${dtype}: ${d.tensors} tensors, ${d.parameters.toLocaleString('en-US')} values, ${formatBytes(d.bytes)}`);
    if (info.externalDataFiles.length) console.log(`  external data: ${info.externalDataFiles.join(', ')}`);
    return 0;
  },
};
