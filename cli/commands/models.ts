import fs from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../../lib/onnx/io';
import { acceptDistilledStudent, listModelViews, registerArchive, registerModel } from '../../lib/models/service';
import { type TCommand, UsageError } from '../framework';

export const modelsAdd: TCommand = {
  name: 'models add',
  summary: 'Register a model (a folder in the diffusers ONNX layout, or a .zip/.tar/.tar.gz of one); it is checked first and stored by content hash.',
  args: 'PATH',
  options: {
    name: { type: 'string', description: 'model name (default: the folder name)', valueName: 'NAME' },
    description: { type: 'string', description: 'what it is', valueName: 'TEXT' },
    license: { type: 'string', description: 'its licence, e.g. openrail++', valueName: 'LICENSE' },
    json: { type: 'boolean', description: 'print the model as JSON' },
  },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give exactly one model folder');
    const dir = path.resolve(positionals[0]);
    if (!fs.existsSync(dir)) throw new UsageError(`${dir} does not exist`);
    const fields = { name: (values.name as string | undefined) ?? path.basename(dir).replace(/\.(zip|tar|tar\.gz|tgz)$/, ''), description: values.description as string | undefined, license: values.license as string | undefined };
    const model = fs.statSync(dir).isDirectory() ? await registerModel({ dir, ...fields }) : await registerArchive({ file: dir, ...fields });
    if (values.json) console.log(JSON.stringify(model, null, 2));
    else console.log(`Registered "${model.name}" (${(model.variants[0].params / 1e6).toFixed(2)}M parameters, ${formatBytes(model.variants[0].weightBytes)} of weights).`);
    return 0;
  },
};

export const modelsList: TCommand = {
  name: 'models list',
  summary: 'List models and their variants.',
  options: { json: { type: 'boolean', description: 'print JSON' } },
  async run({ values }) {
    const models = await listModelViews();
    if (values.json) {
      console.log(JSON.stringify(models, null, 2));
      return 0;
    }
    if (!models.length) console.log('No models yet: npx arena models add PATH');
    for (const m of models) {
      console.log(`${m.name}  (${m.id})`);
      for (const v of m.variants) console.log(`  ${v.name.padEnd(24)} ${(v.params / 1e6).toFixed(2)}M params  ${formatBytes(v.weightBytes)}${v.parentId ? '  compressed' : ''}  ${v.id}`);
    }
    return 0;
  },
};

export const modelsAcceptStudent: TCommand = {
  name: 'models accept-student',
  summary: 'Take a denoiser distilled elsewhere back in as a variant, after checking it against the teacher and the distillation plan.',
  args: 'PARENT_VARIANT_ID STUDENT.onnx',
  options: {
    plan: { type: 'string', description: 'the distillation-plan.json the student was trained with (required)', valueName: 'FILE' },
    name: { type: 'string', description: 'name of the new variant (required)', valueName: 'NAME' },
  },
  async run({ values, positionals }) {
    if (positionals.length !== 2) throw new UsageError('give the parent variant id and the student .onnx file');
    if (!values.plan || !values.name) throw new UsageError('--plan FILE and --name NAME are required');
    let plan: unknown;
    try {
      plan = JSON.parse(fs.readFileSync(values.plan as string, 'utf8'));
    } catch (err) {
      throw new UsageError(`cannot read --plan ${values.plan}: ${(err as Error).message}`);
    }
    const v = await acceptDistilledStudent({ parentId: positionals[0], studentFile: path.resolve(positionals[1]), plan, name: values.name as string });
    console.log(`Accepted the student as variant "${v.name}" (${v.id}).`);
    return 0;
  },
};
