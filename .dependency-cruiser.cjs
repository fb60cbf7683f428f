/**
 * The import rules of DESIGN.md §3, one table: each folder of src/ and the folders it may import.
 * Everything not listed for a folder is forbidden; `npm run lint` fails on any violation.
 */
const mayImport = {
  // cli/server.ts starts the long-running server (loaded lazily, so other commands skip fastify).
  cli: ['app', 'output', 'gojson', 'errors', 'model', 'log', 'server'],
  output: [],
  server: ['app', 'kube', 'schedule', 'metrics', 'config', 'selection', 'log', 'gojson', 'model', 'errors'],
  app: [
    'backup',
    'restore',
    'actions',
    'archive',
    'store',
    'kube',
    'concurrency',
    'schedule',
    'profile',
    'selection',
    'results',
    'gojson',
    'model',
    'config',
    'errors',
    'log',
    'volumedata',
    'podvolumes',
    'drill',
  ],
  // drill/ is pure: the report model, timeline, outcome rules, readiness and renderers.
  drill: ['model'],
  backup: [
    'kube',
    'archive',
    'concurrency',
    'actions',
    'selection',
    'results',
    'gojson',
    'model',
    'log',
    'errors',
  ],
  restore: [
    'kube',
    'archive',
    'concurrency',
    'actions',
    'selection',
    'results',
    'gojson',
    'model',
    'log',
    'errors',
  ],
  actions: ['model'],
  archive: ['gojson', 'model', 'errors'],
  store: ['concurrency', 'model', 'errors', 'log'],
  volumedata: ['store', 'concurrency', 'model', 'errors', 'log'],
  // podvolumes/ is Velero's pod volume rules, apart from the kopia engine so a backup can use them without loading it.
  podvolumes: ['gojson', 'model', 'errors'],
  kube: ['gojson', 'model', 'errors'],
  schedule: ['gojson', 'model', 'errors'],
  profile: ['kube', 'selection', 'results', 'model', 'errors'],
  config: ['selection', 'gojson', 'model', 'errors'],
  selection: ['model', 'errors'],
  results: ['model'],
  // gojson/ is Go's json.Marshal and Go's durations; it needs only model's null-prototype dictionaries.
  gojson: ['model'],
  model: [],
  concurrency: [],
  errors: [],
  log: ['errors'],
  metrics: [],
};

const layerRules = Object.entries(mayImport).map(([from, allowed]) => ({
  name: `${from}-may-import`,
  comment: `src/${from}/ may import only: ${allowed.join(', ') || 'nothing else in src'} (DESIGN.md §3)`,
  severity: 'error',
  from: { path: `^src/${from}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${from}/`, ...allowed.map((dir) => `^src/${dir}/`)],
  },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'import-a-folder-through-its-index',
      comment:
        "another folder's files are reached only through its index.ts, its public face (src/app/<use case>/index.ts for a use case, src/profile/capture|aks-hci/index.ts for those parts of the profile); tests may also import a folder's testing.ts and *.fixture.ts",
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: '[.]test[.]ts$' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/$1/',
          '^src/[^/]+/index[.]ts$',
          '^src/app/[^/]+/index[.]ts$',
          // The profile's capture and attachment parts are public faces of their own, so a backup
          // takes its profile without loading the runbook and the standby check (profile/index.ts).
          '^src/profile/(capture|aks-hci)/index[.]ts$',
        ],
      },
    },
    {
      name: 'tests-import-a-folder-through-its-index',
      comment: 'a unit test in src/ reaches another folder through its index.ts, testing.ts or *.fixture.ts',
      severity: 'error',
      from: { path: '^src/([^/]+)/.+[.]test[.]ts$' },
      to: {
        path: '^src/',
        pathNot: ['^src/$1/', '/index[.]ts$', '/testing[.]ts$', '[.]fixture[.]ts$'],
      },
    },
    {
      name: 'providers-are-independent',
      comment: 'an object-store provider imports only the port, errors and its own SDK',
      severity: 'error',
      from: { path: '^src/store/providers/([^/]+)/' },
      to: { path: '^src/store/', pathNot: ['^src/store/providers/$1/', '^src/store/object-store\\.ts$'] },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'web-is-a-browser-app',
      comment:
        'src/server/web/ (the dashboard) runs in the browser: it imports only its own files and Preact, never the server, Node or another package',
      severity: 'error',
      from: { path: '^src/server/web/', pathNot: '[.]test[.]ts$' },
      to: {
        pathNot: ['^src/server/web/', '^node_modules/preact/'],
      },
    },
    {
      name: 'server-never-imports-the-web-app',
      comment:
        'the dashboard reaches the server only through its HTTP API; the server serves its built files',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/server/web/' },
      to: { path: '^src/server/web/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|test/fixtures)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.js'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
