// The server starts exactly as the extension starts it (`resolveServer` + `SERVER_ARGS`) and
// speaks the protocol: a real JSON-RPC client (vscode-jsonrpc, what vscode-languageclient is
// built on) initializes it, opens a document and receives its diagnostics.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import serverPath from '../out/serverPath.js';
import { starlaneBinary } from './helpers.mjs';

const require = createRequire(import.meta.url);
const rpc = require('vscode-jsonrpc/node');

test('the extension\'s server command serves diagnostics over stdio', async () => {
  const binary = starlaneBinary();
  const resolution = serverPath.resolveServer(undefined, {
    path: dirname(binary),
    platform: process.platform,
    home: '/',
  });
  assert.equal(resolution.ok, true, resolution.message);
  const child = spawn(resolution.command, serverPath.SERVER_ARGS, { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  const diagnostics = new Promise((resolve) => {
    connection.onNotification('textDocument/publishDiagnostics', (params) => resolve(params));
  });
  connection.onRequest('client/registerCapability', () => null);
  connection.listen();
  const init = await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  assert.equal(init.serverInfo.name, 'starlane');
  assert.equal(init.capabilities.textDocumentSync.change, 2, 'incremental sync');
  await connection.sendNotification('initialized', {});
  await connection.sendNotification('textDocument/didOpen', {
    textDocument: {
      uri: 'file:///ext-test.bind',
      languageId: 'bind',
      version: 1,
      text: 'Bind(version=1.1.0) {\n  Route<Http<GET>>/x -> (( )) => &;\n}\n',
    },
  });
  const params = await diagnostics;
  assert.equal(params.diagnostics.length, 1);
  assert.equal(params.diagnostics[0].code, 'E0014');
  assert.deepEqual(params.diagnostics[0].range.start, { line: 1, character: 13 });
  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  connection.dispose();
});
