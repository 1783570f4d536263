// The manifest contributes what the extension promises: the `bind` language for `*.bind`, its
// grammar and language configuration, the Markdown injection, and a server setting.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { extensionRoot } from './helpers.mjs';

const manifest = JSON.parse(readFileSync(join(extensionRoot, 'package.json'), 'utf8'));
const contributes = manifest.contributes;

test('the bind language is registered for *.bind and *.app with a language configuration', () => {
  const bind = contributes.languages.find((l) => l.id === 'bind');
  assert.deepEqual(bind.extensions, ['.bind', '.app']);
  const config = JSON.parse(readFileSync(join(extensionRoot, bind.configuration), 'utf8'));
  assert.equal(config.comments.lineComment, '#');
  assert.ok(config.brackets.some(([o, c]) => o === '{' && c === '}'));
  assert.ok(config.autoClosingPairs.some((p) => p.open === '(' && p.close === ')'));
  new RegExp(config.wordPattern);
});

test('every grammar file exists, is JSON, and declares the scope the manifest names', () => {
  for (const g of contributes.grammars) {
    const path = join(extensionRoot, g.path);
    assert.ok(existsSync(path), `${g.path} (run npm run build)`);
    const grammar = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(grammar.scopeName, g.scopeName);
  }
});

test('bind code blocks in Markdown are highlighted through an injection', () => {
  const injection = contributes.grammars.find((g) => g.injectTo !== undefined);
  assert.deepEqual(injection.injectTo, ['text.html.markdown']);
  assert.equal(injection.embeddedLanguages['meta.embedded.block.starlane'], 'bind');
  const grammar = JSON.parse(readFileSync(join(extensionRoot, injection.path), 'utf8'));
  const begin = new RegExp(grammar.repository['bind-code-block'].begin.replace('(?i:', '(?:'), 'i');
  assert.ok(begin.test('```bind'));
  assert.ok(begin.test('~~~ starlane'));
  assert.ok(!begin.test('```rust'));
  assert.deepEqual(grammar.repository['bind-code-block'].patterns[0].patterns, [{ include: 'source.starlane' }]);
});

test('the server path is configurable and the bundle is the entry point', () => {
  assert.equal(contributes.configuration.properties['starlane.server.path'].default, '');
  assert.equal(manifest.main, './dist/extension.js');
  assert.ok(existsSync(join(extensionRoot, manifest.main)), 'run npm run build');
  assert.ok(manifest.repository.url.length > 0, 'vsce needs a repository');
  assert.ok(existsSync(join(extensionRoot, 'LICENSE')), 'vsce needs a LICENSE');
});
