import sharp from 'sharp';

/**
 * Lossless PNG originals and WebP for display. Small images (the fixtures draw 32x32) are also
 * upscaled with nearest-neighbour for display, so pixels stay crisp.
 */
/** sharp writes no text chunks, so a PNG carries pixels only: nothing about the model that made it. */
export async function encodePng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(rgb), { raw: { width, height, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer();
}

export async function encodeDisplayWebp(rgb: Uint8Array, width: number, height: number, minSide = 256): Promise<Buffer> {
  const scale = Math.max(1, Math.ceil(minSide / Math.min(width, height)));
  return sharp(Buffer.from(rgb), { raw: { width, height, channels: 3 } })
    .resize(width * scale, height * scale, { kernel: 'nearest' })
    .webp({ lossless: true })
    .toBuffer();
}
