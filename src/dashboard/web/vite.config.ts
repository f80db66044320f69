// Builds the dashboard page (Preact, cytoscape, uPlot) into dist/dashboard-web, which `strait up` serves;
// run by `npm run build` after tsc. Nothing is fetched at run time: every asset is in the bundle.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [preact()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../../dist/dashboard-web', import.meta.url)),
    emptyOutDir: true,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1000,
  },
});
