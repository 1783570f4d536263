// The Starlane extension: starts `starlane lsp` and connects VS Code to it. Everything the
// language does (diagnostics, completion, hover, navigation, rename, formatting, quick fixes,
// semantic tokens) comes from the server; the extension only finds and starts it.

import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

import { SERVER_ARGS, currentEnvironment, resolveServer } from './serverPath';

let client: LanguageClient | undefined;

function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

async function start(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): Promise<void> {
  const configured = vscode.workspace.getConfiguration('starlane').get<string>('server.path');
  const resolution = resolveServer(configured, currentEnvironment(workspaceFolder()));
  if (!resolution.ok) {
    output.error(resolution.message);
    void vscode.window.showErrorMessage(resolution.message, 'Open Settings').then((choice) => {
      if (choice === 'Open Settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'starlane.server.path');
      }
    });
    return;
  }
  output.info(`Starting ${resolution.command} ${SERVER_ARGS.join(' ')}`);
  const serverOptions: ServerOptions = {
    command: resolution.command,
    args: SERVER_ARGS,
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'bind' }],
    outputChannel: output,
    traceOutputChannel: output,
  };
  client = new LanguageClient('starlane', 'Starlane', serverOptions, clientOptions);
  context.subscriptions.push(client);
  await client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Starlane', { log: true });
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('starlane.restartServer', async () => {
      if (client !== undefined) {
        await client.stop();
        client = undefined;
      }
      await start(context, output);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('starlane.server.path')) {
        await vscode.commands.executeCommand('starlane.restartServer');
      }
    }),
  );
  await start(context, output);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
