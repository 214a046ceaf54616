// Vite + Vitest configuration for the web app. The npm scripts in the top-level
// package.json pass `--config frontend/vite.config.ts`; paths here are relative to
// this folder (the Vite root), so the build lands in frontend/dist.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
// Where `npm run dev` / `npm run preview` forward /api (the backend of `make run`).
const apiTarget = process.env.PBXFLOW_API_URL ?? 'http://127.0.0.1:8000';
const proxy = { '/api': { target: apiTarget, changeOrigin: false } };

export default defineConfig({
  root,
  // Keep Vite's and Vitest's caches out of frontend/ (the Makefile rebuilds when
  // anything under frontend/ changes).
  cacheDir: fileURLToPath(new URL('../node_modules/.vite', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // ELK (auto-layout) is a 1.5 MB chunk of its own, loaded only when the layout button is pressed.
    chunkSizeWarningLimit: 1600,
  },
  server: { proxy },
  preview: { proxy },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
