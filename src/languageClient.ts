// The language client, in a bundle of its own (dist/languageClient.js). vscode-languageclient is most of the
// client's code: loading it took about 50 ms, more than the whole activation budget, so `activate` returns first and
// this module is loaded right after (extension.ts).
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

const LANGUAGES = ['sql', 'python', 'typescript', 'javascript', 'typescriptreact', 'javascriptreact', 'rust', 'prisma'];

export function createClient(extensionUri: vscode.Uri, output: vscode.LogOutputChannel): LanguageClient {
  const serverModule = vscode.Uri.joinPath(extensionUri, 'dist', 'server.js').fsPath;
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      ...LANGUAGES.map((language) => ({ scheme: 'file', language })),
      // Without the Prisma extension, schema.prisma opens as plain text: match it by name too.
      { scheme: 'file', pattern: '**/*.prisma' },
      { scheme: 'untitled', language: 'sql' },
    ],
    synchronize: {
      configurationSection: 'planlens',
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/*.{sql,py,ts,tsx,mts,cts,js,jsx,mjs,cjs,rs,prisma}'),
        vscode.workspace.createFileSystemWatcher('**/planlens.json'),
      ],
    },
    outputChannel: output,
  };
  return new LanguageClient('planlens', 'PlanLens', serverOptions, clientOptions);
}
