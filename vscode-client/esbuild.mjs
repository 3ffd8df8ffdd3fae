// Bundles the extension (and, with --tests, the extension-host tests) for Node.
// Usage: node esbuild.mjs [--production] [--tests]
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  external: ['vscode'],
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
};

await esbuild.build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' });
if (tests) {
  await esbuild.build({ ...common, sourcemap: 'inline', entryPoints: ['test/suite/index.ts'], outfile: 'out/test/index.js' });
}
