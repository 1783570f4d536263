// Shared by the tests: where the repository and the `starlane` binary are, and which files
// the real front end accepts.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const extensionRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = join(extensionRoot, '..');

/** The `starlane` binary: `$STARLANE_BIN`, else the workspace's debug build. */
export function starlaneBinary() {
  const candidates = [process.env.STARLANE_BIN, join(repoRoot, 'target/debug/starlane'), join(repoRoot, 'target/release/starlane')];
  const found = candidates.find((c) => c !== undefined && c !== '' && existsSync(c));
  if (found === undefined) {
    throw new Error('no starlane binary: run `cargo build` first or set STARLANE_BIN');
  }
  return found;
}

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path, out);
    } else if (/\.(bind|app|conf)$/.test(name)) {
      out.push(path);
    }
  }
  return out;
}

/** Every corpus and example file the real front end accepts without errors (exit code 0). */
export function validFiles() {
  const files = walk(join(repoRoot, 'specs/tests'), []).concat(walk(join(repoRoot, 'examples'), []));
  return files.filter((f) => spawnSync(starlaneBinary(), ['check', f], { stdio: 'ignore' }).status === 0).sort();
}

/** The real lexer's tokens of a file (`starlane debug tokens`). */
export function realTokens(file) {
  return execFileSync(starlaneBinary(), ['debug', 'tokens', file], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}
