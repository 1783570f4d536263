// Finding the server: the setting wins, then PATH; a missing executable is a clear message.

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import serverPath from '../out/serverPath.js';

const { expand, resolveServer, which, SERVER_ARGS } = serverPath;

function fakeBinary(dir, name = 'starlane') {
  const file = join(dir, name);
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

function env(overrides = {}) {
  return { path: '', platform: 'linux', home: '/home/ada', ...overrides };
}

test('starlane is found on PATH with zero configuration', () => {
  const a = mkdtempSync(join(tmpdir(), 'a-'));
  const b = mkdtempSync(join(tmpdir(), 'b-'));
  const bin = fakeBinary(b);
  const r = resolveServer(undefined, env({ path: `${a}:${b}` }));
  assert.deepEqual(r, { ok: true, command: bin });
  assert.deepEqual(SERVER_ARGS, ['lsp']);
});

test('a non-executable file on PATH is skipped', () => {
  const a = mkdtempSync(join(tmpdir(), 'a-'));
  writeFileSync(join(a, 'starlane'), 'not executable');
  const b = mkdtempSync(join(tmpdir(), 'b-'));
  const bin = fakeBinary(b);
  assert.equal(which('starlane', env({ path: `${a}:${b}` })), bin);
});

test('the configured path wins over PATH, with ~ and ${workspaceFolder} expanded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-'));
  const bin = fakeBinary(dir, 'my-starlane');
  const onPath = mkdtempSync(join(tmpdir(), 'p-'));
  fakeBinary(onPath);
  const r = resolveServer('${workspaceFolder}/my-starlane', env({ path: onPath, workspaceFolder: dir }));
  assert.deepEqual(r, { ok: true, command: bin });
  assert.equal(expand('~/bin/starlane', env()), '/home/ada/bin/starlane');
});

test('a missing server is explained, naming the setting', () => {
  const r = resolveServer(undefined, env({ path: mkdtempSync(join(tmpdir(), 'empty-')) }));
  assert.equal(r.ok, false);
  assert.match(r.message, /not found on PATH/);
  assert.match(r.message, /starlane\.server\.path/);
  const bad = resolveServer('/nowhere/starlane', env());
  assert.equal(bad.ok, false);
  assert.match(bad.message, /\/nowhere\/starlane/);
});

test('Windows lookups use PATHEXT and `;`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'w-'));
  const bin = fakeBinary(dir, 'starlane.EXE');
  assert.equal(which('starlane', env({ platform: 'win32', path: `C:\\nope;${dir}`, pathExt: '.COM;.EXE' })), bin);
});
