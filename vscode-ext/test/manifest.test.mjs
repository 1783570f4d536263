// The manifest contributes what the extension promises: the `bind` language for `*.bind`, its
// grammar and language configuration, the Markdown injection, and a server setting.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

test('the $starlane problem matcher reads `starlane check` output', () => {
  const matcher = contributes.problemMatchers.find((m) => m.name === 'starlane');
  const [first, second] = matcher.pattern.map((p) => new RegExp(p.regexp));
  // What `NO_COLOR=1 starlane check` prints; when the binary is built, its live output too.
  let text = [
    '[E0009] Error: expected `->` or `=>` to finish the step, found `=`',
    '   ╭─[ specs/tests/bad-step.bind:2:30 ]',
  ].join('\n');
  const binary = join(extensionRoot, '../target/debug/starlane');
  if (existsSync(binary)) {
    const run = spawnSync(binary, ['check', 'specs/tests/bad-step.bind'], {
      cwd: join(extensionRoot, '..'),
      env: { ...process.env, NO_COLOR: '1' },
      encoding: 'utf8',
    });
    text = run.stdout + run.stderr;
  }
  const lines = text.split('\n');
  const at = lines.findIndex((l) => first.test(l));
  assert.ok(at >= 0, text);
  const head = lines[at].match(first);
  const where = lines[at + 1].match(second);
  assert.ok(where, lines[at + 1]);
  const p = matcher.pattern;
  assert.equal(head[p[0].code], 'E0009');
  assert.equal(head[p[0].severity].toLowerCase(), 'error');
  assert.match(head[p[0].message], /finish the step/);
  assert.equal(where[p[1].file], 'specs/tests/bad-step.bind');
  assert.equal(where[p[1].line], '2');
  assert.equal(where[p[1].column], '30');
  assert.ok(contributes.taskDefinitions.some((t) => t.type === 'starlane'));
});

test('commands, snippets, trust and the test-file schema are declared and present', () => {
  const commands = contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(commands, [
    'starlane.checkWorkspace',
    'starlane.explainCode',
    'starlane.restartServer',
    'starlane.showOutput',
  ]);
  const source = readFileSync(join(extensionRoot, 'src/extension.ts'), 'utf8');
  for (const command of commands) {
    assert.ok(source.includes(`registerCommand('${command}'`), `${command} is registered`);
  }
  const snippets = JSON.parse(readFileSync(join(extensionRoot, contributes.snippets[0].path), 'utf8'));
  for (const name of ['Bind document', 'Route', 'Port', 'Requires', 'Schema', 'grant', 'call', 'limits']) {
    assert.ok(snippets[name]?.body.length > 0, name);
  }
  const trust = manifest.capabilities.untrustedWorkspaces;
  assert.equal(trust.supported, 'limited');
  assert.ok(trust.restrictedConfigurations.includes('starlane.server.path'));
  const schemas = Object.fromEntries(contributes.tomlValidation.map((v) => [v.fileMatch, v.url]));
  assert.deepEqual(Object.keys(schemas).sort(), ['**/tests/*.toml', 'starlane.toml']);
  for (const url of Object.values(schemas)) {
    const copied = readFileSync(join(extensionRoot, url), 'utf8');
    const source = join(extensionRoot, '../specs', url.replace('./schemas/', ''));
    assert.equal(copied, readFileSync(source, 'utf8'), `${url}: run npm run build`);
  }
});

test('a diagnostic code is recognised however the client holds it', async () => {
  const { starlaneCode } = await import(join(extensionRoot, 'out/diagnosticCode.js'));
  assert.equal(starlaneCode('E0006'), 'E0006');
  assert.equal(starlaneCode({ value: 'W0101' }), 'W0101');
  assert.equal(starlaneCode('TS2304'), undefined);
  assert.equal(starlaneCode(undefined), undefined);
});

test('the icon is a 128×128 PNG', () => {
  const png = readFileSync(join(extensionRoot, manifest.icon));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.readUInt32BE(16), 128);
  assert.equal(png.readUInt32BE(20), 128);
});
