// The layer rules of docs/architecture.md ("Layers"), checked by `npm run deps` (part of `npm test`).
// LAYERS runs from the bottom up: a file may import its own layer and the layers below it, never
// one above. The one exception is `tools/`, the operator's extension point: the in-process backend
// (lib/mcp/backends/) imports the operator's tools, and tools/ imports `defineTool` from lib/mcp/.
/** @typedef {{ name: string, path: string }} Layer */

/** @type {Layer[]} */
const LAYERS = [
  { name: 'foundations', path: '^lib/((crypto|url)/|(result|protocol)\\.ts$)' },
  { name: 'observability', path: '^lib/observability/' },
  { name: 'http', path: '^lib/http/' },
  { name: 'config', path: '^lib/config/' },
  { name: 'keys', path: '^lib/keys/' },
  { name: 'tokens', path: '^lib/tokens/' },
  { name: 'redis', path: '^lib/redis\\.ts$' },
  { name: 'stores', path: '^lib/(limits|oauth/state)/' },
  { name: 'services', path: '^lib/services\\.ts$' },
  { name: 'features', path: '^lib/(oauth|mcp|dashboard)/' },
  { name: 'tools', path: '^tools/' },
  { name: 'app', path: '^(app/|middleware\\.ts$)' },
];

// Each file belongs to the first layer whose path it matches (lib/oauth/state/ is a store, not
// the OAuth feature), so a layer's rules leave out the paths of the layers before it.
const claimedBefore = (index) => LAYERS.slice(0, index).map((layer) => layer.path);

const isException = (from, to) => from.name === 'features' && to.name === 'tools';

const upward = LAYERS.flatMap((layer, index) =>
  LAYERS.slice(index + 1)
    .filter((above) => !isException(layer, above))
    .map((above) => ({
      name: `layer-${layer.name}`,
      comment: `${layer.name} must not import ${above.name}, a layer above it (docs/architecture.md, Layers)`,
      severity: 'error',
      from: { path: layer.path, pathNot: claimedBefore(index) },
      to: { path: above.path, pathNot: claimedBefore(LAYERS.indexOf(above)) },
    })),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'an import cycle ties two modules into one; break it by moving the shared part down',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-not-app',
      comment: 'lib/ is framework-free: it never imports app/, the middleware or next/*',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: ['^app/', '^middleware\\.ts$', '^node_modules/next/'] },
    },
    {
      name: 'features-independent',
      comment: 'the OAuth server, the MCP endpoint and the dashboard share only the layers below them',
      severity: 'error',
      from: { path: '^lib/(oauth|mcp|dashboard)/', pathNot: '^lib/oauth/state/' },
      to: { path: '^lib/(oauth|mcp|dashboard)/', pathNot: ['^lib/oauth/state/', '^lib/$1/'] },
    },
    ...upward,
    {
      name: 'tools-extension-point',
      comment: 'tools/ may take from lib/ only what lib/mcp/defineTool.ts offers operators',
      severity: 'error',
      from: { path: '^tools/' },
      to: { path: '^lib/', pathNot: '^lib/mcp/defineTool\\.ts$' },
    },
    {
      name: 'product-not-harness',
      comment: 'the product never imports the harness (kit/) or the tests',
      severity: 'error',
      from: { path: ['^(lib|app|tools)/', '^middleware\\.ts$'] },
      to: { path: '^(kit|tests|scripts)/' },
    },
    {
      name: 'kit-not-tests',
      comment: 'kit/ is what the tests and the bench share: it never imports tests/ or scripts/',
      severity: 'error',
      from: { path: '^kit/' },
      to: { path: '^(tests|scripts)/' },
    },
    {
      name: 'kit-outside-test-runners',
      comment: 'kit/ runs in the bench too, outside Vitest and Playwright: assertions belong in tests/support/',
      severity: 'error',
      from: { path: '^kit/' },
      to: { path: '(^|/)node_modules/(vitest|@vitest|@playwright|playwright)/' },
    },
    {
      name: 'tools-only-by-the-backend',
      comment: 'only the in-process backend reads the operator tools',
      severity: 'error',
      from: { path: '^lib/', pathNot: '^lib/mcp/backends/inProcess\\.ts$' },
      to: { path: '^tools/' },
    },
  ],
  options: {
    // tests/ and scripts/ are not cruised, only seen, so that a kit/ import of them is caught.
    doNotFollow: { path: ['node_modules', '^(tests|scripts)/'] },
    exclude: { path: '^(\\.next|test-results|playwright-report)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
