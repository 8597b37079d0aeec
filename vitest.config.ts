import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['lib/**/*.test.ts', 'cli/**/*.test.ts', 'workers/**/*.test.ts', 'scripts/**/*.test.ts', 'app/**/*.test.ts'],
    exclude: ['node_modules', 'e2e', '.next', 'generated'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Database tests make their own databases; two files at a time suit a 2-core machine.
    maxWorkers: 2,
  },
});
