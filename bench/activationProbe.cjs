// One activation of the extension bundle, timed, in a fresh Node process (spawned by bench/activation.ts):
// `require` of the bundle, then `activate()`, the two parts VS Code reports as "load code" and "activate call".
// Then the load of dist/languageClient.js, which the extension does right after `activate` returns (timed here
// before the extension gets to it). VS Code is not here: `vscode` is a stand-in with every top-level name of
// @types/vscode, whose members accept anything. The client's start (spawning the server) is not awaited.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const [bundle, vscodeTypes] = process.argv.slice(2);  // then `--deferred-check`, for the tests

/** A function that takes any property access, assignment, call or `new`; what it is not given, it makes up. */
function standIn() {
  const target = function () {};
  const assigned = new Map();
  return new Proxy(target, {
    get(_target, key) {
      if (assigned.has(key)) return assigned.get(key);
      if (typeof key === 'symbol' || key === 'then') return undefined; // not a thenable, not iterable
      if (key === 'prototype') return target.prototype;
      return standIn();
    },
    set(_target, key, value) {
      assigned.set(key, value);
      return true;
    },
    apply: () => standIn(),
    construct: () => standIn(),
  });
}

// esbuild's interop copies the module's own properties, so the top-level names must be real properties.
const vscode = {};
for (const match of fs.readFileSync(vscodeTypes, 'utf8').matchAll(/^\texport (?:class|enum|namespace|function|const|let) ([A-Za-z_]\w*)/gm)) {
  vscode[match[1]] = standIn();
}
// vscode-languageclient checks the editor's version against the one it needs.
vscode.version = '1.95.0';
const load = Module._load;
Module._load = function (request, parent, isMain) {
  return request === 'vscode' ? vscode : load.call(this, request, parent, isMain);
};

const extensionRoot = path.dirname(path.dirname(path.resolve(bundle)));
const context = {
  subscriptions: [],
  extensionUri: standIn(),
  extensionPath: extensionRoot,
  asAbsolutePath: (relative) => path.join(extensionRoot, relative),
};
const loadStart = performance.now();
const extension = require(path.resolve(bundle));
const activateStart = performance.now();
extension.activate(context);
const activateEnd = performance.now();
const clientBundle = path.join(path.dirname(path.resolve(bundle)), 'languageClient.js');
const clientLoaded = () => require.cache[clientBundle] !== undefined;

if (process.argv.includes('--deferred-check')) {
  // For the tests: the client bundle is not loaded by `activate`, and is loaded by the extension right after.
  const duringActivate = clientLoaded();
  setImmediate(() =>
    setImmediate(() => {
      process.stdout.write(`${JSON.stringify({ duringActivate, afterActivate: clientLoaded() })}\n`);
      process.exit(0);
    }),
  );
} else {
  let clientLoadMs = null;
  if (fs.existsSync(clientBundle)) {
    const clientStart = performance.now();
    require(clientBundle);
    clientLoadMs = performance.now() - clientStart;
  }
  process.stdout.write(`${JSON.stringify({ loadMs: activateStart - loadStart, activateMs: activateEnd - activateStart, clientLoadMs })}\n`);
  process.exit(0);
}
