/** A bundle the text-to-image pipeline cannot run, or a generation request it refuses; the message says why. */
export class PipelineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineError';
  }
}
