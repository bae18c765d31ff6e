// electron-builder afterPack hook (electron-builder.yml: afterPack): puts the Electron builds of the
// V8-ABI native modules (better-sqlite3), made by `npm install` / `npm run rebuild:electron` into
// node_modules/.visage-electron/, into the packaged app's app.asar.unpacked, replacing the Node
// builds that node_modules holds for tests, the CLI and browser mode. Runs before code signing.
//
// A package whose better-sqlite3 is built for Node cannot open the library, so a missing or
// mismatched Electron build fails the packaging. VISAGE_ALLOW_NODE_ABI=1 lets a layout-only build
// through (the packaging test, which packs against a stand-in Electron).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

exports.default = async function afterPack(context) {
  const root = context.packager.projectDir || path.join(__dirname, '..');
  const arch = typeof context.arch === 'number' ? ARCH_NAMES[context.arch] : String(context.arch);
  const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName;
  const electron = context.packager.config.electronVersion || (context.packager.info.framework && context.packager.info.framework.version);
  const nativeDir = path.join(root, 'node_modules', '.visage-electron');
  const unpacked = path.join(context.packager.getResourcesDir(context.appOutDir), 'app.asar.unpacked', 'node_modules');

  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(nativeDir, 'manifest.json'), 'utf8'));
  } catch {
    manifest = null;
  }
  const wanted = `Electron ${electron} ${platform}-${arch}`;
  const problem = !manifest
    ? 'no Electron build of the native modules (node_modules/.visage-electron is missing)'
    : manifest.electron !== electron || manifest.platform !== platform || manifest.arch !== arch
      ? `the Electron build of the native modules is for Electron ${manifest.electron} ${manifest.platform}-${manifest.arch}`
      : null;
  if (problem) {
    const msg = `visage: ${problem}, this package needs ${wanted}. Run "npm run rebuild:electron" (needs internet for Electron's headers) on a ${platform}-${arch} machine.`;
    if (process.env.VISAGE_ALLOW_NODE_ABI === '1') {
      process.stdout.write(`${msg} VISAGE_ALLOW_NODE_ABI=1: packaging the Node builds (layout check only; this app cannot open its library).\n`);
      return;
    }
    throw new Error(msg);
  }
  for (const [name, info] of Object.entries(manifest.modules)) {
    for (const rel of info.files) {
      const dest = path.join(unpacked, name, rel);
      if (!fs.existsSync(path.dirname(dest))) throw new Error(`visage: ${name} is not unpacked in the package (asarUnpack in electron-builder.yml)`);
      fs.copyFileSync(path.join(nativeDir, name, rel), dest);
    }
  }
  process.stdout.write(`visage: native modules for ${wanted}: ${Object.keys(manifest.modules).join(', ')}\n`);
};
