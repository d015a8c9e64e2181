#!/usr/bin/env bash
# Proves binding.gyp builds the same sources as CMakeLists.txt (cmake-js, used by `npm ci`) and that the
# node-gyp build loads and works: builds in a temporary copy (so build/ from cmake-js is untouched), offline,
# with Node's own headers (--nodedir), then runs the smoke test against that addon.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cp -r binding.gyp package.json native scripts "$tmp/"
ln -s "$root/node_modules" "$tmp/node_modules"
gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
nodedir=$(node -p "require('path').resolve(process.execPath,'../..')")
echo "check-node-gyp: building with node-gyp ($gyp) --nodedir=$nodedir"
(cd "$tmp" && node "$gyp" rebuild --nodedir="$nodedir" --jobs=2 >"$tmp/gyp.log" 2>&1) || { tail -40 "$tmp/gyp.log"; exit 1; }
echo "check-node-gyp: built $(ls "$tmp"/build/Release/rplpipe.node)"
RPLPIPE_ADDON="$tmp/build/Release/rplpipe.node" node scripts/smoke.mjs node-gyp
RPLPIPE_ADDON="$root/build/Release/rplpipe.node" node scripts/smoke.mjs cmake-js
