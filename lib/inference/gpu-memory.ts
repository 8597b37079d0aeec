import os from 'node:os';
import { execFile } from 'node:child_process';

/**
 * GPU memory of a generation run, read from `nvidia-smi` (NVIDIA's driver tool; no library to
 * link). onnxruntime does not report its device allocations, so the sampler polls while the run
 * goes on and keeps the peak. Two readings, because neither is always available:
 * - `processBytes`: memory the driver attributes to this process. Inside some sandboxes (gVisor,
 *   containers without the host PID namespace) the driver lists no process, and this stays null.
 * - `deviceDeltaBytes`: the whole device's used memory above what it used when sampling started:
 *   right when the machine runs nothing else, an over-count when it does (the report says which).
 * On a machine without nvidia-smi both are null and `available` is false.
 */
export type TGpuMemory = {
  available: boolean;
  device: string | null;
  processBytes: number | null;
  deviceDeltaBytes: number | null;
  samples: number;
};

type TExec = (file: string, args: string[]) => Promise<string>;

const execText: TExec = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 5000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });

const MIB = 1024 * 1024;

/** Parses `nvidia-smi --query-gpu=name,memory.used --format=csv,noheader,nounits` (first GPU). */
export function parseDeviceQuery(text: string): { name: string; usedBytes: number } | null {
  const line = text.split('\n').find((l) => l.trim());
  if (!line) return null;
  const cut = line.lastIndexOf(',');
  const used = Number(line.slice(cut + 1).trim());
  if (cut < 0 || !Number.isFinite(used)) return null;
  return { name: line.slice(0, cut).trim(), usedBytes: used * MIB };
}

/** Parses `nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits`: bytes used by `pid`, or null when it is not listed. */
export function parseProcessQuery(text: string, pid: number): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    const [p, mem] = line.split(',').map((s) => s.trim());
    if (Number(p) === pid && Number.isFinite(Number(mem))) total = (total ?? 0) + Number(mem) * MIB;
  }
  return total;
}

export class GpuMemorySampler {
  private timer: NodeJS.Timeout | null = null;
  private baseline: number | null = null;
  private peakDevice: number | null = null;
  private peakProcess: number | null = null;
  private device: string | null = null;
  private samples = 0;
  private available = false;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs = 250,
    private readonly exec: TExec = execText,
    private readonly pid = process.pid,
  ) {}

  /** Takes the baseline reading and starts polling; resolves once the baseline is known. */
  async start(): Promise<void> {
    const first = await this.readDevice();
    if (!first) return;
    this.available = true;
    this.device = first.name;
    this.baseline = first.usedBytes;
    this.timer = setInterval(() => {
      this.pending = this.sample();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Takes one last reading, stops polling and returns the peaks. */
  async stop(): Promise<TGpuMemory> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pending;
    if (this.available) await this.sample();
    return {
      available: this.available,
      device: this.device,
      processBytes: this.peakProcess,
      deviceDeltaBytes: this.peakDevice === null || this.baseline === null ? null : Math.max(0, this.peakDevice - this.baseline),
      samples: this.samples,
    };
  }

  private async readDevice() {
    try {
      return parseDeviceQuery(await this.exec('nvidia-smi', ['--query-gpu=name,memory.used', '--format=csv,noheader,nounits']));
    } catch {
      return null;
    }
  }

  private async sample(): Promise<void> {
    const dev = await this.readDevice();
    if (dev) this.peakDevice = Math.max(this.peakDevice ?? 0, dev.usedBytes);
    try {
      const own = parseProcessQuery(await this.exec('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits']), this.pid);
      if (own !== null) this.peakProcess = Math.max(this.peakProcess ?? 0, own);
    } catch {
      // the process list is optional: the device reading stands
    }
    this.samples++;
  }
}

/** Where a measurement ran, in words: "16 x Intel(R) Xeon(R) Processor + NVIDIA H200". */
export function describeHardware(gpuDevice: string | null | undefined): string {
  const cpus = os.cpus();
  return [`${cpus.length} x ${cpus[0]?.model?.trim() || 'unknown CPU'}`, gpuDevice].filter(Boolean).join(' + ');
}
