import { defineConfig } from 'vite';

// Tauri serves dist/ from the app; the window's WebKitGTK supports ES2022.
export default defineConfig({
  clearScreen: false,
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { port: 5173, strictPort: true },
});
