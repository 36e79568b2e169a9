// Component tests (`npm test`): the views in a DOM (happy-dom) with the app's commands and events
// mocked (test/setup.ts says why and how). The build's own settings apply, so JSX compiles the same.
import { defineConfig, mergeConfig } from "vitest/config";
import build from "./vite.config";

export default mergeConfig(
  build,
  defineConfig({
    test: {
      environment: "happy-dom",
      include: ["test/**/*.test.{ts,tsx}"],
      setupFiles: ["test/setup.ts"],
    },
  }),
);
