import { defineConfig } from './src/index.ts';

// The migration profile. Everything left out comes from the defaults, which describe the reference
// deployment (namespaces zamaz / zamaz-mesh, Istio 1.20, SPIRE trust domain zamaz.local).
// `npx meshgate config print` shows the effective profile.
export default defineConfig({
  prometheus: { url: 'http://prometheus-server.monitoring:9090' },
});
