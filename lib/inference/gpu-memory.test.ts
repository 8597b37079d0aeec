import { describe, expect, it } from 'vitest';
import { GpuMemorySampler, parseDeviceQuery, parseProcessQuery } from './gpu-memory';

const MIB = 1024 * 1024;

describe('nvidia-smi parsing', () => {
  it('reads the first GPU, names with commas included', () => {
    expect(parseDeviceQuery('NVIDIA H200, 1234\nNVIDIA H200, 99\n')).toEqual({ name: 'NVIDIA H200', usedBytes: 1234 * MIB });
    expect(parseDeviceQuery('Some, GPU, 7')).toEqual({ name: 'Some, GPU', usedBytes: 7 * MIB });
    expect(parseDeviceQuery('')).toBeNull();
    expect(parseDeviceQuery('NVIDIA H200, [N/A]')).toBeNull();
  });

  it('sums the memory of one pid and ignores the others', () => {
    const text = '4242, 300\n17, 999\n4242, 12\n';
    expect(parseProcessQuery(text, 4242)).toBe(312 * MIB);
    expect(parseProcessQuery(text, 5)).toBeNull();
    expect(parseProcessQuery('', 5)).toBeNull();
  });
});

describe('GpuMemorySampler', () => {
  it('keeps the peak above the baseline and the process peak', async () => {
    const device = [1000, 1500, 3000, 1200];
    const procs = ['', '7, 400', '7, 2100', '7, 150'];
    let d = 0;
    let p = 0;
    const exec = async (_file: string, args: string[]) => {
      if (args[0].startsWith('--query-gpu')) return `Fake GPU, ${device[Math.min(d++, device.length - 1)]}`;
      return procs[Math.min(p++, procs.length - 1)];
    };
    const sampler = new GpuMemorySampler(60_000, exec, 7);
    await sampler.start();
    // no timer tick within the test: drive samples through stop() and the private sampler
    await (sampler as unknown as { sample(): Promise<void> }).sample();
    await (sampler as unknown as { sample(): Promise<void> }).sample();
    const got = await sampler.stop();
    expect(got).toEqual({ available: true, device: 'Fake GPU', processBytes: 2100 * MIB, deviceDeltaBytes: 2000 * MIB, samples: 3 });
  });

  it('reports unavailable where nvidia-smi is missing', async () => {
    const exec = async () => {
      throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
    };
    const sampler = new GpuMemorySampler(10, exec);
    await sampler.start();
    expect(await sampler.stop()).toEqual({ available: false, device: null, processBytes: null, deviceDeltaBytes: null, samples: 0 });
  });
});
