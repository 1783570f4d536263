// Finding the `starlane` executable: the `starlane.server.path` setting when given, otherwise
// `starlane` on PATH. Pure (no `vscode` import), so node's test runner can test it.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface Environment {
  /** The PATH variable. */
  path: string | undefined;
  /** Windows executable extensions (`PATHEXT`); ignored elsewhere. */
  pathExt?: string | undefined;
  platform: NodeJS.Platform;
  home: string;
  /** The first workspace folder, for `${workspaceFolder}`. */
  workspaceFolder?: string;
}

export function currentEnvironment(workspaceFolder?: string): Environment {
  return {
    path: process.env.PATH,
    pathExt: process.env.PATHEXT,
    platform: process.platform,
    home: os.homedir(),
    workspaceFolder,
  };
}

export type Resolution =
  | { ok: true; command: string }
  | { ok: false; message: string };

function isExecutable(file: string, platform: NodeJS.Platform): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return false;
    }
    if (platform === 'win32') {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Expands `~` and `${workspaceFolder}` in a configured path. */
export function expand(configured: string, env: Environment): string {
  let p = configured.trim();
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) {
    p = path.join(env.home, p.slice(1));
  }
  if (env.workspaceFolder !== undefined) {
    p = p.split('${workspaceFolder}').join(env.workspaceFolder);
  }
  return p;
}

/** Looks `name` up on PATH (with PATHEXT on Windows). */
export function which(name: string, env: Environment): string | undefined {
  const separator = env.platform === 'win32' ? ';' : ':';
  const extensions =
    env.platform === 'win32'
      ? (env.pathExt ?? '.EXE;.CMD;.BAT').split(';').filter((e) => e.length > 0)
      : [''];
  for (const dir of (env.path ?? '').split(separator)) {
    if (dir.length === 0) {
      continue;
    }
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate, env.platform)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** The command that starts the language server, or why there is none. */
export function resolveServer(configured: string | undefined, env: Environment): Resolution {
  if (configured !== undefined && configured.trim().length > 0) {
    const p = expand(configured, env);
    if (isExecutable(p, env.platform)) {
      return { ok: true, command: p };
    }
    return {
      ok: false,
      message: `starlane.server.path is set to "${configured}", but ${p} is not an executable file.`,
    };
  }
  const found = which('starlane', env);
  if (found !== undefined) {
    return { ok: true, command: found };
  }
  return {
    ok: false,
    message:
      'The Starlane language server (`starlane`) was not found on PATH. Install it with `cargo install --path .` in the Starlane repository, or set `starlane.server.path`.',
  };
}

/** The arguments that start the server over stdio. */
export const SERVER_ARGS = ['lsp'];
