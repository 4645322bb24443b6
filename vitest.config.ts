import { defineConfig } from 'vitest/config';
import { aliases, projects } from './vitest.workspace.js';

export default defineConfig({
  resolve: { alias: aliases },
  test: {
    projects,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    pool: 'forks',
  },
});
