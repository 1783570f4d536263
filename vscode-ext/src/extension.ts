// The Starlane extension: starts `starlane lsp` and connects VS Code to it. Everything the
// language does (diagnostics, completion, hover, navigation, rename, formatting, quick fixes,
// semantic tokens) comes from the server; the extension finds and starts it, shows its state in
// the status bar, and adds commands (restart, output, check the workspace as a task with a
// problem matcher, explain the error under the cursor).

import { execFile } from 'child_process';
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

import { starlaneCode } from './diagnosticCode';
import { SERVER_ARGS, currentEnvironment, resolveServer } from './serverPath';

let client: LanguageClient | undefined;

function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** The `starlane` executable, or `undefined` after telling the user why not. */
function serverCommand(output: vscode.LogOutputChannel): string | undefined {
  const configured = vscode.workspace.getConfiguration('starlane').get<string>('server.path');
  const resolution = resolveServer(configured, currentEnvironment(workspaceFolder()));
  if (resolution.ok) {
    return resolution.command;
  }
  output.error(resolution.message);
  void vscode.window.showErrorMessage(resolution.message, 'Open Settings').then((choice) => {
    if (choice === 'Open Settings') {
      void vscode.commands.executeCommand('workbench.action.openSettings', 'starlane.server.path');
    }
  });
  return undefined;
}

function showState(status: vscode.StatusBarItem, state: 'starting' | 'running' | 'stopped' | 'failed'): void {
  const icons = { starting: '$(sync~spin)', running: '$(check)', stopped: '$(circle-slash)', failed: '$(error)' };
  status.text = `${icons[state]} Starlane`;
  status.tooltip = `Starlane language server: ${state} (click for its output)`;
  status.show();
}

async function start(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  status: vscode.StatusBarItem,
): Promise<void> {
  const command = serverCommand(output);
  if (command === undefined) {
    showState(status, 'failed');
    return;
  }
  const extraEnv = vscode.workspace.getConfiguration('starlane').get<Record<string, string>>('server.extraEnv') ?? {};
  output.info(`Starting ${command} ${SERVER_ARGS.join(' ')}`);
  const serverOptions: ServerOptions = {
    command,
    args: SERVER_ARGS,
    transport: TransportKind.stdio,
    options: { env: { ...process.env, ...extraEnv } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'bind' }],
    outputChannel: output,
    traceOutputChannel: output,
  };
  client = new LanguageClient('starlane', 'Starlane', serverOptions, clientOptions);
  context.subscriptions.push(
    client,
    client.onDidChangeState((event) => {
      showState(status, event.newState === State.Running ? 'running' : event.newState === State.Starting ? 'starting' : 'stopped');
    }),
  );
  showState(status, 'starting');
  try {
    await client.start();
  } catch (error) {
    output.error(`The language server did not start: ${String(error)}`);
    showState(status, 'failed');
  }
}

/** `starlane check PATH` as a task whose output the `$starlane` problem matcher reads. */
function checkTask(folder: vscode.WorkspaceFolder, command: string, path: string): vscode.Task {
  const definition = { type: 'starlane', command: 'check', path };
  const task = new vscode.Task(
    definition,
    folder,
    'check',
    'starlane',
    new vscode.ProcessExecution(command, ['check', path], { env: { NO_COLOR: '1' } }),
    '$starlane',
  );
  task.group = vscode.TaskGroup.Build;
  return task;
}

async function explainCodeUnderCursor(output: vscode.LogOutputChannel): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    return;
  }
  const at = editor.selection.active;
  const code = vscode.languages
    .getDiagnostics(editor.document.uri)
    .filter((d) => d.range.contains(at))
    .map((d) => starlaneCode(d.code))
    .find((c) => c !== undefined);
  if (code === undefined) {
    void vscode.window.showInformationMessage('No Starlane diagnostic under the cursor.');
    return;
  }
  const command = serverCommand(output);
  if (command === undefined) {
    return;
  }
  execFile(command, ['explain', code], { env: { ...process.env, NO_COLOR: '1' } }, async (error, stdout, stderr) => {
    if (error !== null) {
      output.error(`starlane explain ${code}: ${stderr || String(error)}`);
      void vscode.window.showErrorMessage(`starlane explain ${code} failed; see the Starlane output.`);
      return;
    }
    const page = await vscode.workspace.openTextDocument({ language: 'markdown', content: stdout });
    await vscode.commands.executeCommand('markdown.showPreview', page.uri);
  });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Starlane', { log: true });
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 0);
  status.command = 'starlane.showOutput';
  context.subscriptions.push(output, status);
  context.subscriptions.push(
    vscode.commands.registerCommand('starlane.restartServer', async () => {
      if (client !== undefined) {
        await client.stop();
        client = undefined;
      }
      await start(context, output, status);
    }),
    vscode.commands.registerCommand('starlane.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('starlane.checkWorkspace', async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      const command = serverCommand(output);
      if (folder !== undefined && command !== undefined) {
        await vscode.tasks.executeTask(checkTask(folder, command, '.'));
      }
    }),
    vscode.commands.registerCommand('starlane.explainCode', () => explainCodeUnderCursor(output)),
    vscode.tasks.registerTaskProvider('starlane', {
      provideTasks: () => {
        const folder = vscode.workspace.workspaceFolders?.[0];
        const command = folder === undefined ? undefined : serverCommand(output);
        return folder === undefined || command === undefined ? [] : [checkTask(folder, command, '.')];
      },
      resolveTask: (task) => {
        const folder = task.scope;
        const command = serverCommand(output);
        if (typeof folder !== 'object' || command === undefined) {
          return undefined;
        }
        return checkTask(folder, command, String(task.definition.path ?? '.'));
      },
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('starlane.server')) {
        await vscode.commands.executeCommand('starlane.restartServer');
      }
    }),
  );
  await start(context, output, status);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
