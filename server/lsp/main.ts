// `planlens-server --stdio`: the language server for VS Code (started by the extension) and any LSP client
// (Neovim, Emacs). vscode-languageserver picks the transport from the command line (--stdio, --node-ipc, --socket).
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { PlanLensServer } from './server';
import { keepSqlParserEntryUnoptimized } from '../engine/sql/parserCompilation';
import { limitHeapGrowth } from '../engine/heapGrowth';

keepSqlParserEntryUnoptimized();
limitHeapGrowth();

const connection = createConnection(ProposedFeatures.all);

// Nothing a user types may kill the server: log and keep serving.
process.on('uncaughtException', (error) => connection.console.error(`uncaught: ${error.stack ?? error.message}`));
process.on('unhandledRejection', (reason) => connection.console.error(`unhandled rejection: ${String(reason)}`));

new PlanLensServer(connection).listen();
