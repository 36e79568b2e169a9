import { defineConfig } from "vite";

// The tray app embeds dist/ (see src-tauri/tauri.conf.json); relative asset paths keep it portable.
export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
});
