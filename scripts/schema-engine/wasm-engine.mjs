// Loads Prisma's WebAssembly schema engine (@prisma/schema-engine-wasm).
// The package's entry does `import * as wasm from "./schema_engine_bg.wasm"`, which Node 20 cannot
// import without a flag, so the module is instantiated here against its own JS glue.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** The wasm-bindgen glue, once the module is instantiated. */
let glue = null;

/** The Wasm engine's panic messages land here (the glue calls `set_message`). */
class PanicRegistry {
  message = '';
  get() {
    return this.message;
  }
  set_message(m) {
    this.message = `RuntimeError: ${m}`;
  }
}

/** The version of the installed engine package, e.g. 8.1.0-2.<commit>. */
export function enginePackageVersion() {
  // The package's "exports" hide package.json: read it next to the glue file.
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  return JSON.parse(fs.readFileSync(path.join(path.dirname(gluePath), 'package.json'), 'utf8')).version;
}

export async function loadWasm() {
  if (glue) return glue;
  const g = /** @type {any} */ (globalThis);
  g.PRISMA_WASM_PANIC_REGISTRY ??= new PanicRegistry();
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const mod = await import(pathToFileURL(gluePath).href);
  const bytes = fs.readFileSync(gluePath.replace(/\.js$/, '.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': mod });
  mod.__wbg_set_wasm(instance.exports);
  /** @type {any} */ (instance.exports).__wbindgen_start();
  glue = mod;
  return glue;
}

/**
 * A new engine instance.
 * @param {{datamodels?: Array<[string, string]>, adapterFactory: object, onLog: (line: string) => void}} opts
 *   adapterFactory: a factory already bound with bindMigrationAwareSqlAdapterFactory
 */
export async function createEngine({ datamodels, adapterFactory, onLog }) {
  const { SchemaEngine } = await loadWasm();
  return SchemaEngine.new({ datamodels: datamodels && datamodels.length ? datamodels : undefined }, onLog, adapterFactory);
}
