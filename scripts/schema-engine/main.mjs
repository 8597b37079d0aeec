#!/usr/bin/env node
// A stand-in for Prisma's native `schema-engine` binary, for machines where it cannot be
// downloaded. prisma.config.ts points PRISMA_SCHEMA_ENGINE_BINARY here; the Prisma CLI then runs
// this file exactly as it runs the native engine:
//
//   main.mjs --version
//   main.mjs [--datamodels <schema file>]... [--datasource <json>] cli <subcommand>
//       subcommands: can-connect-to-database, create-database, drop-database. Success: exit 0.
//       Failure: exit 1 and JSON log lines on stderr, the first skipped by the CLI, then
//       {"level":"ERROR","target":"schema_engine::logger","fields":{"error_code":"P1001","message":...}}
//   main.mjs [--datamodels <schema file>]... [--datasource <json>]
//       JSON-RPC 2.0 over stdin/stdout, one JSON object a line, until stdin closes. Each call is
//       delegated to Prisma's Wasm schema engine (@prisma/schema-engine-wasm) connected through
//       the official driver adapters; see engine-host.mjs for what differs and how it is fixed.
//
// Only dynamic imports below: nothing may write to stderr before the warning filter is in place.

process.removeAllListeners('warning');
process.on('warning', () => {});

const HELP = `schema-engine (Wasm shim)

Usage:
  main.mjs --version
  main.mjs [--datamodels <path>]... [--datasource <json>] [cli <can-connect-to-database|create-database|drop-database>]

Without "cli", serves the schema engine's JSON-RPC API on stdin/stdout.`;

/** @param {string[]} argv */
function parseArgs(argv) {
  const out = { datamodels: /** @type {string[]} */ ([]), datasource: undefined, cli: undefined, version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`Missing value for ${a}`);
      return argv[++i];
    };
    if (a === '--version' || a === '-V') out.version = true;
    else if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--datamodels' || a === '-d') out.datamodels.push(value());
    else if (a.startsWith('--datamodels=')) out.datamodels.push(a.slice('--datamodels='.length));
    else if (a === '--datasource') out.datasource = value();
    else if (a.startsWith('--datasource=')) out.datasource = a.slice('--datasource='.length);
    else if (a === '--enabled-preview-features' || a === '--extension-types') value(); // not needed by the Wasm engine
    else if (a === 'cli') {
      out.cli = argv[i + 1];
      if (!out.cli) throw new Error('Missing subcommand after "cli"');
      break;
    } else {
      throw new Error(`Unknown argument: ${a}`);
    }
  }
  return out;
}

/** One JSON log line on stderr, as the native engine writes them. */
function logLine(level, fields, target = 'schema_engine::logger') {
  process.stderr.write(`${JSON.stringify({ timestamp: new Date().toISOString(), level, fields, target })}\n`);
}

/** Writes everything, then exits (stdout/stderr to pipes are asynchronous). */
async function exit(code) {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (s) => new Promise((resolve) => (s.writableLength === 0 ? resolve(undefined) : s.write('', () => resolve(undefined)))),
    ),
  );
  process.exit(code);
}

/** Exits 1 with the message as an ERROR log line, which the CLI shows (it skips the first line). */
function fail(message) {
  logLine('INFO', { message: 'Starting schema engine (Wasm shim)' }, 'schema_engine');
  logLine('ERROR', { is_panic: false, message });
  return exit(1);
}

async function runCli(subcommand, datasource) {
  const { canConnect, createDatabase, dropDatabase } = await import('./databases.mjs');
  // The CLI skips the first stderr line and parses every other one as JSON.
  logLine('INFO', { message: `Starting schema engine CLI (Wasm shim): ${subcommand}` }, 'schema_engine');
  try {
    const url = datasource?.url;
    if (!url) throw Object.assign(new Error('No datasource URL given (--datasource \'{"url": ...}\').'), { code: null });
    if (subcommand === 'can-connect-to-database') {
      await canConnect(url);
      process.stdout.write('Connection successful\n');
    } else if (subcommand === 'create-database') {
      const name = await createDatabase(url);
      process.stdout.write(`Database '${name}' was successfully created.\n`);
    } else if (subcommand === 'drop-database') {
      await dropDatabase(url);
      process.stdout.write('The database was successfully dropped.\n');
    } else {
      throw Object.assign(new Error(`Unknown cli subcommand: ${subcommand}`), { code: null });
    }
    await exit(0);
  } catch (e) {
    const fields = { is_panic: false, message: String(e?.message ?? e) };
    if (typeof e?.code === 'string' && /^P\d{4}$/.test(e.code)) fields.error_code = e.code;
    logLine('ERROR', fields);
    await exit(1);
  }
}

async function runRpc(datamodelPaths, datasourceArg) {
  const fs = await import('node:fs');
  const { describeDatasource } = await import('./datasource.mjs');
  const { EngineHost, METHOD_NAMES } = await import('./engine-host.mjs');
  const { serveRpc } = await import('./rpc-server.mjs');

  // The Wasm engine's logs are JSON lines like the native engine's; the CLI keeps their messages
  // and shows the last ERROR one if the engine exits with an error.
  const onLog = (line) => {
    const text = String(line).trim();
    if (text) process.stderr.write(`${text}\n`);
  };

  /** @type {any} */
  let host = null;
  /** @type {any} */
  let startupError = null;
  try {
    const datamodels = datamodelPaths.map((p) => /** @type {[string, string]} */ ([p, fs.readFileSync(p, 'utf8')]));
    host = new EngineHost({ datamodels, datasource: describeDatasource(datasourceArg, datamodels), onLog });
  } catch (e) {
    startupError = e;
  }

  serveRpc({
    methods: (print) => {
      if (!host) {
        // Every call answers with the startup error (bad --datasource, unreadable schema, ...).
        return Object.fromEntries(METHOD_NAMES.map((name) => [name, async () => Promise.reject(startupError)]));
      }
      host.print = print;
      return host.methods();
    },
    shutdown: async () => host?.shutdown(),
    exit,
    logError: (fields) => logLine('ERROR', fields),
  });
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    return fail(`${e.message}\n\n${HELP}`);
  }
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return exit(0);
  }
  if (args.version) {
    const { enginePackageVersion } = await import('./wasm-engine.mjs');
    const version = enginePackageVersion();
    process.stdout.write(`schema-engine-cli ${version.slice(version.lastIndexOf('.') + 1)}\n`);
    return exit(0);
  }
  let datasource;
  if (args.datasource !== undefined) {
    try {
      datasource = JSON.parse(args.datasource);
    } catch {
      return fail('--datasource must be JSON such as {"url": "file:./dev.db"}');
    }
  }
  if (args.cli) return runCli(args.cli, datasource);
  return runRpc(args.datamodels, datasource);
}

main().catch((e) => {
  logLine('ERROR', { is_panic: false, message: String(e?.stack ?? e) });
  exit(1);
});
