// Import boundaries between the folders of app/, main/ and renderer/ (the layers are a DAG), and
// no import cycle at all. Run by `npm run lint:deps` (part of `npm run lint` and `npm test`).
// Type-only imports count: a type is a dependency too.
//
// Each layer lists what it may import; anything else under app/, main/ or renderer/ is an error.
/** @type {Record<string, { may: string[], why: string }>} */
const layers = {
  'app/contract': { may: [], why: 'types and schemas that cross a process boundary; they import nothing of app/' },
  'app/platform': { may: ['app/contract'], why: 'paths, media guard, worker scripts, native modules' },
  'app/faces': {
    may: ['app/contract', 'app/platform'],
    why: 'images in, faces out: knows nothing of people, store, learning, the engine or the library',
  },
  'app/store': { may: ['app/contract', 'app/platform', 'app/faces'], why: 'SQLite and all SQL: nothing above it' },
  'app/people': { may: ['app/store', 'app/contract', 'app/platform', 'app/faces'], why: 'clustering and the people service' },
  'app/learning': {
    may: ['app/people', 'app/store', 'app/contract', 'app/platform', 'app/faces'],
    why: 'triplet training, on top of people',
  },
  'app/library': { may: ['app/faces', 'app/store', 'app/contract', 'app/platform'], why: 'scanning' },
  'app/interop': {
    may: ['app/people', 'app/store', 'app/faces', 'app/contract', 'app/platform'],
    why: 'XMP, the people file, import/export',
  },
  'app/engine': {
    may: ['app/contract', 'app/platform', 'app/faces', 'app/store', 'app/people', 'app/learning', 'app/library', 'app/interop'],
    why: 'the facade the utility process, server, CLI and tests drive: not the server, CLI or evaluations',
  },
  'app/server': { may: ['app/engine', 'app/contract', 'app/platform'], why: 'browser-mode HTTP over the engine' },
  'app/eval': {
    may: ['app/faces', 'app/people', 'app/learning', 'app/library', 'app/store', 'app/contract', 'app/platform'],
    why: 'evaluations',
  },
  'app/cli': {
    may: ['app/contract', 'app/platform', 'app/faces', 'app/store', 'app/people', 'app/learning', 'app/library', 'app/interop', 'app/engine', 'app/server', 'app/eval'],
    why: 'the command line may use anything in app/',
  },
  main: { may: ['app/contract', 'app/platform'], why: 'Electron main talks to the engine through the contract only' },
  renderer: { may: ['app/contract'], why: 'the UI sees the contract only' },
};

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const folderRe = (folders) => `^(${folders.map(esc).join('|')})/`;

const layerRules = Object.entries(layers).map(([folder, { may, why }]) => ({
  name: `layer-${folder.replace(/^app\//, '')}`,
  comment: `${folder}/ may import only ${may.length ? may.join(', ') : 'nothing of app/'} (${why})`,
  severity: 'error',
  from: { path: folderRe([folder]) },
  to: { path: '^(app|main|renderer)/', pathNot: folderRe([folder, ...may]) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'no import cycle, between modules or (hence) between folders',
      severity: 'error',
      from: { path: '^(app|main|renderer)/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import the checker cannot resolve is an import it cannot check',
      severity: 'error',
      from: { path: '^(app|main|renderer)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    includeOnly: '^(app|main|renderer/src)/',
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.svelte', '.json', '.mjs', '.cjs', '.node'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
    cache: false,
  },
};
// For test/unit/lint-boundaries.test.ts (which checks that the layers form a DAG); not enumerable,
// as dependency-cruiser rejects unknown configuration keys.
Object.defineProperty(module.exports, 'layers', { value: layers, enumerable: false });
