import { requireResearcherPage } from '@/lib/auth/session';
import { env } from '@/lib/env';
import { formatBytes } from '@/lib/onnx/io';
import { Uploader } from './uploader';

export const metadata = { title: 'Upload a model' };
export const dynamic = 'force-dynamic';

export default async function UploadPage() {
  await requireResearcherPage('/research/models/upload');
  return (
    <div className="max-w-2xl space-y-4">
      <h1 className="text-2xl font-semibold">Upload a model</h1>
      <p className="text-sm text-slate-600">
        A .zip, .tar or .tar.gz of a model in the diffusers ONNX layout (model_index.json, transformer/, text_encoder/, vae_decoder/,
        tokenizer/, scheduler/), up to {formatBytes(env().UPLOAD_MAX_BYTES)}. Large files go up in 8 MiB pieces; if the connection drops,
        choose the same file again and the upload continues where it stopped. Everything is checked before the model is registered.
      </p>
      <Uploader />
    </div>
  );
}
