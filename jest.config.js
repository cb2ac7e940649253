// Jest runs the TypeScript sources as native ESM (node --experimental-vm-modules),
// transformed by SWC with legacy decorators and their metadata, as Nest needs.
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'es6' },
  },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  // Sources import './x.js' (NodeNext style); point Jest back at the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
  // The local Airflows' venvs (npm run compat installs several) hold package.json files Jest must not crawl.
  modulePathIgnorePatterns: ['<rootDir>/.airflow/'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/real-airflow/'],
    },
    {
      // Against the real local Airflow (scripts/airflow/airflow.sh), brought up once for all suites.
      ...common,
      displayName: 'airflow',
      testMatch: ['<rootDir>/test/real-airflow/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/real-airflow/global-setup.mjs',
      globalTeardown: '<rootDir>/test/real-airflow/global-teardown.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/real-airflow/jest.setup.ts'],
    },
  ],
};
