// The layers of src/, lowest first. A module may import its own layer and the layers below it, never a
// layer above, and no import cycle is allowed. `npm test` runs this check (npm run lint:deps).
const LAYERS = [
  { name: 'leaves', path: '^src/(errors|common/)' },
  { name: 'secrets', path: '^src/secrets/' },
  { name: 'contracts', path: '^src/contracts/' },
  { name: 'connections', path: '^src/connections/' },
  { name: 'actions', path: '^src/actions/' },
  { name: 'runbook', path: '^src/runbook/' },
  { name: 'plan', path: '^src/plan/' },
  { name: 'report', path: '^src/report/' },
  { name: 'engine', path: '^src/engine/' },
  { name: 'sim', path: '^src/sim/' },
  { name: 'cli', path: '^src/cli/' },
  { name: 'entry points', path: '^src/index\\.ts$' },
];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.name.replace(/ /g, '-')}`,
  comment: `${layer.name} is below ${LAYERS.slice(i + 1).map((l) => l.name).join(', ')}: it may not import them`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(i + 1).map((l) => l.path).join('|') },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'import cycles make the layers meaningless', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'no-unlayered',
      comment: 'every module of src/ belongs to a layer above',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map((l) => l.path).join('|') },
      to: {},
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
