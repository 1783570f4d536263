// The TextMate grammar against the real lexer: on every file the front end accepts, comments,
// strings, path regexes and variables are scoped exactly where `starlane debug tokens` puts
// them — so the highlighter cannot drift from the parser.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { extensionRoot, realTokens, repoRoot, validFiles } from './helpers.mjs';

const require = createRequire(import.meta.url);
const oniguruma = require('vscode-oniguruma');
const vsctm = require('vscode-textmate');

async function loadGrammar() {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.starlane') {
        return null;
      }
      const path = join(repoRoot, 'grammar/textmate/starlane.tmLanguage.json');
      return vsctm.parseRawGrammar(readFileSync(path, 'utf8'), path);
    },
  });
  return registry.loadGrammar('source.starlane');
}

/** Per line, per UTF-16 column: the scopes of that character. */
function scopesOf(grammar, text) {
  const lines = text.split('\n');
  let stack = vsctm.INITIAL;
  return lines.map((line) => {
    const result = grammar.tokenizeLine(line, stack);
    stack = result.ruleStack;
    const perChar = new Array(line.length);
    for (const t of result.tokens) {
      for (let i = t.startIndex; i < Math.min(t.endIndex, line.length); i++) {
        perChar[i] = t.scopes;
      }
    }
    return perChar;
  });
}

/** The lexer kinds each TextMate scope family must coincide with. */
const FAMILIES = [
  { kinds: ['COMMENT'], scope: 'comment.line' },
  { kinds: ['STRING', 'UNTERMINATED_STRING'], scope: 'string.quoted' },
  { kinds: ['PATH_REGEX'], scope: 'string.regexp' },
];

test('comments, strings and path regexes are scoped exactly where the real lexer puts them', async () => {
  const grammar = await loadGrammar();
  const files = validFiles();
  assert.ok(files.length >= 60, `only ${files.length} valid files`);
  const problems = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
    const scopes = scopesOf(grammar, text);
    const name = relative(repoRoot, file);
    for (const family of FAMILIES) {
      // Characters the lexer puts in this family, as "line:col".
      const expected = new Set();
      for (const t of realTokens(file)) {
        if (family.kinds.includes(t.kind) && t.line === t.end_line) {
          for (let c = t.start; c < t.end; c++) {
            expected.add(`${t.line}:${c}`);
          }
        }
      }
      scopes.forEach((perChar, line) => {
        perChar.forEach((s, col) => {
          const scoped = (s ?? []).some((x) => x.startsWith(family.scope));
          const key = `${line}:${col}`;
          if (scoped !== expected.has(key)) {
            problems.push(`${name}:${line + 1}:${col + 1}: ${JSON.stringify(text.split('\n')[line][col])} is ${scoped ? '' : 'not '}${family.scope} in TextMate, but the lexer says ${expected.has(key) ? '' : 'not '}${family.kinds[0]}`);
          }
        });
      });
    }
  }
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} disagreements`);
});

test('variables are scoped as variables, inside points too', async () => {
  const grammar = await loadGrammar();
  for (const file of validFiles()) {
    const text = readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
    const scopes = scopesOf(grammar, text);
    for (const t of realTokens(file).filter((t) => t.kind === 'VARIABLE')) {
      for (let c = t.start; c < t.end; c++) {
        const s = scopes[t.line][c] ?? [];
        assert.ok(s.some((x) => x.startsWith('variable')), `${relative(repoRoot, file)}:${t.line + 1}:${c + 1}: ${s}`);
      }
    }
  }
});

test('keywords, kinds, methods, stops and ports get their own scopes', async () => {
  const grammar = await loadGrammar();
  const text = [
    'Bind(version=1.1.0) {',
    '  Port save-profile { request: Json~Profile; }',
    '  Route<Http<Get>>/x -> ((save-profile)) => &;',
    '  Route<Ext<Hello>> -> {{ }} -[ Text~json ]-> (( ));',
    '}',
  ].join('\n');
  const scopes = scopesOf(grammar, text);
  const at = (line, needle, offset = 0) => scopes[line][text.split('\n')[line].indexOf(needle) + offset].join(' ');
  assert.match(at(0, 'Bind'), /keyword/);
  assert.match(at(0, '1.1.0'), /constant.numeric.version/);
  assert.match(at(1, 'Port'), /keyword/);
  assert.match(at(1, 'save-profile'), /entity.name.function.port/);
  assert.match(at(1, 'Json'), /support.type.payload/);
  assert.match(at(1, 'Profile'), /entity.name.type.schema/);
  assert.match(at(2, 'Route'), /keyword.control.route/);
  assert.match(at(2, 'Http'), /entity.name.type.kind/);
  assert.match(at(2, 'Get'), /entity.name.function.method/);
  assert.match(at(2, 'save-profile'), /entity.name.function.port/);
  assert.match(at(2, '&'), /keyword.control.reflect/);
  assert.match(at(3, '{{'), /invalid.deprecated.core/);
  assert.match(at(3, 'json'), /support.constant.format/);
  assert.match(at(3, '(( ))'), /support.function.core/);
});

test('bind code blocks in Markdown are tokenized with the Starlane grammar, and only they', async () => {
  // A stand-in for VS Code's Markdown grammar (not on npm): the injection only needs its scope.
  const markdown = { scopeName: 'text.html.markdown', patterns: [] };
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      const files = {
        'source.starlane': 'grammar/textmate/starlane.tmLanguage.json',
        'markdown.starlane.codeblock': 'grammar/textmate/markdown-injection.tmLanguage.json',
      };
      if (scopeName === 'text.html.markdown') {
        return vsctm.parseRawGrammar(JSON.stringify(markdown), 'markdown.json');
      }
      const path = files[scopeName] && join(repoRoot, files[scopeName]);
      return path ? vsctm.parseRawGrammar(readFileSync(path, 'utf8'), path) : null;
    },
    getInjections: (scopeName) => (scopeName === 'text.html.markdown' ? ['markdown.starlane.codeblock'] : undefined),
  });
  const grammar = await registry.loadGrammar('text.html.markdown');
  const text = [
    '# Routes  # not a bind comment',
    '```bind',
    'Route<Http<Get>>/x -> (( )) => &; # a comment',
    '```',
    'Route<Http> after the fence is prose',
    '~~~rust',
    'Route<Http> # in another language',
    '~~~',
  ].join('\n');
  const scopes = scopesOf(grammar, text);
  const at = (line, needle) => (scopes[line][text.split('\n')[line].indexOf(needle)] ?? []).join(' ');
  assert.match(at(2, 'Route'), /meta\.embedded\.block\.starlane.*keyword\.control\.route/);
  assert.match(at(2, '# a'), /comment\.line/);
  assert.match(at(1, 'bind'), /fenced_code\.block\.language\.markdown/);
  for (const [line, needle] of [[0, '# not'], [4, 'Route'], [6, 'Route'], [6, '#']]) {
    assert.doesNotMatch(at(line, needle), /starlane|comment\.line|keyword/, `line ${line + 1}: ${at(line, needle)}`);
  }
});
