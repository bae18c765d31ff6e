#!/usr/bin/env node
// Renders build/icon.svg to the PNGs electron-builder uses: build/icon.png (1024 px; converted to
// .icns for macOS and .ico for Windows by electron-builder) and build/icons/NxN.png (Linux).
// Run after editing the SVG: `node build/make-icons.js`. The PNGs are committed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');

const svg = fs.readFileSync(path.join(__dirname, 'icon.svg'));
const sizes = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

async function main() {
  fs.mkdirSync(path.join(__dirname, 'icons'), { recursive: true });
  for (const s of sizes) {
    await sharp(svg, { density: Math.max(72, Math.ceil((72 * s) / 1024) * 4) })
      .resize(s, s)
      .png({ compressionLevel: 9 })
      .toFile(path.join(__dirname, 'icons', `${s}x${s}.png`));
  }
  fs.copyFileSync(path.join(__dirname, 'icons', '1024x1024.png'), path.join(__dirname, 'icon.png'));
  process.stdout.write(`icons: ${sizes.join(', ')} px written to build/\n`);
}

main().catch((e) => {
  process.stderr.write(`icons: ${e.message}\n`);
  process.exit(1);
});
