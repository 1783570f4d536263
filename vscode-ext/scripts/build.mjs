// Builds the extension: type-checks and compiles `src/` to `out/` (tests import the pure
// modules from there), bundles `out/extension.js` with its dependencies into
// `dist/extension.js`, and copies the TextMate grammars from `grammar/textmate/` (their one
// source) into `syntaxes/` and the test files' JSON Schema from `specs/` into `schemas/`.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', root], {
  stdio: 'inherit',
});
await esbuild.build({
  entryPoints: [join(root, 'out/extension.js')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode'],
  outfile: join(root, 'dist/extension.js'),
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
mkdirSync(join(root, 'syntaxes'), { recursive: true });
for (const file of ['starlane.tmLanguage.json', 'markdown-injection.tmLanguage.json']) {
  cpSync(join(root, '../grammar/textmate', file), join(root, 'syntaxes', file));
}
// The JSON Schemas of test files and `starlane.toml` for TOML-aware extensions
// (`tomlValidation`); their one source is `specs/`.
mkdirSync(join(root, 'schemas'), { recursive: true });
for (const file of ['test-file.schema.json', 'starlane-toml.schema.json']) {
  cpSync(join(root, '../specs', file), join(root, 'schemas', file));
}
console.log('built dist/extension.js, syntaxes/ and schemas/');
