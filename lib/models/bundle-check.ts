import fs from 'node:fs';
import path from 'node:path';
import { detectLayout, interfaceProblems, missingFiles, type TLayout } from '../inference/families/layout';
import { OnnxFormatError } from '../onnx/errors';
import { inspectModel } from '../onnx/inspect';
import { readModel } from '../onnx/io';

/**
 * Checks a bundle folder before anything is stored: model_index.json names a pipeline the
 * platform runs (SD3, SD 1.5/2.1, FLUX; the files decide when it names none), the files that
 * pipeline opens are there, every ONNX file parses, and each part takes and gives what the
 * pipeline feeds and reads (input and output names and ranks, families/layout.ts). Returns the
 * problems, one sentence each; none means the bundle can be registered.
 */
export function checkBundle(dir: string): string[] {
  const problems: string[] = [];
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [`${dir} is not a folder`];
  let layout: TLayout | null = null;
  const index = path.join(dir, 'model_index.json');
  if (!fs.existsSync(index)) problems.push('model_index.json is missing');
  else {
    const detected = detectLayout(dir);
    if (detected.ok) layout = detected.layout;
    else problems.push(detected.problem);
  }
  if (layout) problems.push(...missingFiles(dir, layout).map((f) => `${f} is missing (a ${layout!.className} bundle needs it)`));
  else if (!fs.existsSync(path.join(dir, 'transformer', 'model.onnx')) && !fs.existsSync(path.join(dir, 'unet', 'model.onnx'))) {
    problems.push('unet/model.onnx or transformer/model.onnx (the denoiser) is missing');
  }
  const mismatches: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name, 'model.onnx');
    if (!entry.isDirectory() || !fs.existsSync(file)) continue;
    try {
      const info = inspectModel(readModel(file, { loadExternalData: false }));
      const part = layout?.parts.find((p) => p.folder === entry.name);
      if (part) mismatches.push(...interfaceProblems(part, info));
    } catch (err) {
      problems.push(err instanceof OnnxFormatError ? `${entry.name}/model.onnx: ${err.problem}` : `${entry.name}/model.onnx: ${(err as Error).message}`);
    }
  }
  if (mismatches.length) problems.push(`its ONNX parts do not take or give what ${layout!.className} feeds and reads:`, ...mismatches);
  return problems;
}

/** The folder of a checked bundle's denoiser (unet for SD 1.5/2.1, transformer otherwise). */
export function denoiserFolder(dir: string): string {
  const detected = detectLayout(dir);
  return detected.ok ? detected.layout.denoiser : 'transformer';
}
