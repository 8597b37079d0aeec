// A gradient worker thread: loads TypeScript through tsx (as cli/arena.mjs does), then serves
// lib/train/gradient-worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./gradient-worker.ts');
