#!/usr/bin/env node
// One list of the addon's C++ sources for both build systems (CMakeLists.txt and binding.gyp), so neither
// can drift. Tests and sanitizer builds exclude native/src/napi/ and addon.cc with --core.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const srcDir = path.join(root, 'native', 'src');
const core = process.argv.includes('--core');

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.name.endsWith('.cc') ? [p] : [];
  });
}

let files = walk(srcDir).sort();
if (core) files = files.filter((f) => !f.includes(`${path.sep}napi${path.sep}`) && path.basename(f) !== 'addon.cc');
const rel = files.map((f) => path.relative(root, f).split(path.sep).join('/'));
if (process.argv.includes('--cmake')) process.stdout.write(rel.map((f) => path.join(root, f)).join(';'));
else process.stdout.write(rel.join(' '));
