// JSON-RPC 2.0 over stdin/stdout, one JSON object a line, the way the Prisma CLI talks to the
// native schema engine: the CLI sends requests and reads responses; the engine may also send the
// CLI a `print` request (the CLI writes its `content` to stdout and answers with an empty result),
// which is how `migrate diff` output reaches the terminal.

import readline from 'node:readline';
import { toRpcError } from './errors.mjs';

/**
 * @param {object} opts
 * @param {(print: (content: string) => Promise<void>) => Record<string, (params: any) => Promise<any>>} opts.methods
 *   the methods, given a function that prints through the CLI
 * @param {() => Promise<void>} opts.shutdown closes connections; called once, before exit
 * @param {(code: number) => Promise<void>} opts.exit flushes output and exits
 * @param {(fields: object) => void} opts.logError writes an ERROR log line on stderr
 */
export function serveRpc({ methods: makeMethods, shutdown: closeAll, exit, logError }) {
  const send = (obj) => {
    const json = JSON.stringify(obj, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
    process.stdout.write(`${json}\n`);
  };

  // Requests from us to the CLI, by id, waiting for the CLI's answer.
  /** @type {Map<string, (response: any) => void>} */
  const pending = new Map();
  let nextId = 1;
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      const id = `shim-${nextId++}`;
      pending.set(id, (response) => (response.error ? reject(new Error(JSON.stringify(response.error))) : resolve(response.result)));
      send({ jsonrpc: '2.0', id, method, params });
    });
  const print = async (content) => {
    await request('print', { content });
  };

  const methods = makeMethods(print);

  let shuttingDown = null;
  const shutdown = (code) => {
    shuttingDown ??= (async () => {
      // Closing connections should take milliseconds; never let it keep the process alive.
      setTimeout(() => process.exit(code), 10_000).unref();
      try {
        await closeAll();
      } catch {
        // best effort
      }
      await exit(code);
    })();
    return shuttingDown;
  };

  // One request at a time, in order, as the native engine does.
  let queue = Promise.resolve();
  let fatal = false;

  const handle = async (req) => {
    const id = req.id ?? null;
    const fn = Object.hasOwn(methods, req.method) ? methods[req.method] : undefined;
    if (!fn) {
      if (id !== null) send({ jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${req.method}` } });
      return;
    }
    try {
      const started = performance.now();
      const result = await fn(req.params ?? {});
      if (process.env.SCHEMA_ENGINE_SHIM_DEBUG) {
        process.stderr.write(`[shim] ${req.method} took ${(performance.now() - started).toFixed(0)} ms\n`);
      }
      if (id !== null) send({ jsonrpc: '2.0', id, result: result === undefined ? {} : result });
    } catch (e) {
      const error = toRpcError(e);
      if (id !== null) send({ jsonrpc: '2.0', id, error });
      if (error.data.is_panic) {
        // A Wasm instance that panicked cannot be used any more; the native engine exits too.
        logError(error.data);
        fatal = true;
        await shutdown(101);
      }
    }
  };

  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim() || fatal) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    if (msg.method === undefined) {
      // The CLI answering one of our requests: handled at once, as a request may be waiting for it.
      const resolve = pending.get(String(msg.id));
      pending.delete(String(msg.id));
      resolve?.(msg);
      return;
    }
    queue = queue.then(() => handle(msg));
  });
  rl.on('close', () => {
    queue.then(() => shutdown(0));
  });
  // The Prisma CLI ends stdin and sends SIGTERM right after: finish the call in progress, close
  // the connections (and drop shadow databases), then exit.
  for (const sig of /** @type {const} */ (['SIGTERM', 'SIGINT'])) {
    process.on(sig, () => {
      queue.then(() => shutdown(0));
    });
  }
  process.stdout.on('error', () => shutdown(0));
}
