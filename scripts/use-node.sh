# Puts the app's Node on PATH for this shell: `. scripts/use-node.sh` (bash or zsh), then npm ci, npm start, npm test.
#
# Loyalty Desk runs on the Node major that Electron 45 embeds (Node 24), so builds, tests and benches run on it
# too (docs/ARCHITECTURE.md, "Toolchain"). A Node 24 already on PATH is used as it is. Otherwise the version in
# .node-version is installed once from the npm registry (the `node` package ships the binary for this platform)
# into .toolchain/, and that folder is put first on PATH. Nothing outside the project folder is changed.
_ld_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
_ld_version="$(tr -d ' \n\r' < "$_ld_root/.node-version")"
_ld_major="${_ld_version%%.*}"
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$_ld_major" ]; then
  echo "Using $(command -v node) ($(node -v)), already Node $_ld_major."
else
  _ld_dir="$_ld_root/.toolchain/node-$_ld_version"
  if [ ! -x "$_ld_dir/node_modules/node/bin/node" ]; then
    echo "Installing Node $_ld_version from the npm registry into .toolchain/ (once)…"
    mkdir -p "$_ld_dir"
    # From inside the toolchain folder, so the project's own devEngines check does not apply to this install.
    (cd "$_ld_dir" && echo '{"private":true}' > package.json &&
      npm install --no-save --no-audit --no-fund --no-package-lock "node@$_ld_version" >install.log 2>&1) ||
      echo "Could not install Node $_ld_version from the npm registry. Install Node $_ld_major yourself (nodejs.org, nvm, fnm) and run this again." >&2
  fi
  if [ -x "$_ld_dir/node_modules/node/bin/node" ]; then
    export PATH="$_ld_dir/node_modules/node/bin:$PATH"
    hash -r 2>/dev/null
    echo "Using $_ld_dir/node_modules/node/bin/node ($(node -v))."
  fi
fi
unset _ld_root _ld_version _ld_major _ld_dir
