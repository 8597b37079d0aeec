/** A file that is not a usable ONNX model: names the file and what is wrong with it. */
export class OnnxFormatError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'OnnxFormatError';
  }
}
