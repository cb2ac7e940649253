// @ts-check
// ESLint as the NestJS starter sets it up: eslint:recommended plus typescript-eslint's
// type-checked rules (recommendedTypeChecked), for the TypeScript of src/ and test/ and for the
// JavaScript around it (scripts, bench, configs) without type information. Prettier is not run
// inside ESLint (no eslint-plugin-prettier): `npm run lint` runs `prettier --check .` on its own,
// which also covers JSON, YAML and Markdown and keeps formatting out of the lint report;
// eslint-config-prettier, last, switches off any rule that would argue with Prettier.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TESTS = ['**/*.spec.ts', 'test/**/*.ts'];

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', '.airflow/', 'bench/.venv/', 'deploy/.venv/', '.contract/']),
  {
    extends: [eslint.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // Each file gets the type information of the tsconfig.json that includes it.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names say "unused on purpose" (a parameter a signature needs, a field left out
      // of a rest object).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Nest's HttpStatus is a numeric enum, while exception.getStatus() and res.statusCode are plain
      // numbers: comparing the two is the framework's own idiom, not a mix-up of enums.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
    },
  },
  {
    // House rules that keep the shape: only src/config reads the environment, and only the
    // lifecycle code and the entry points (main.ts, the CLI commands) end the process.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through the config namespace of src/config (ConfigService).' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/lifecycle/**', 'src/main.ts', 'src/**/*.command.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through the config namespace of src/config (ConfigService).' },
        {
          object: 'process',
          property: 'exit',
          message: 'Only the lifecycle code and the entry points end the process: throw, or ask lifecycle.',
        },
      ],
    },
  },
  {
    files: TESTS,
    rules: {
      // supertest's `response.body` and Nest's `app.getHttpServer()` are typed `any`; reading and
      // asserting on them is what an e2e test does, and `expect` is the check a cast would only
      // pretend to be. Kept on for src/ (and no-unsafe-return stays on everywhere).
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      // `async () => value` is how a test stubs an async collaborator (the type asks for a Promise).
      '@typescript-eslint/require-await': 'off',
      // `expect(mock.method).toHaveBeenCalled()` passes a method without calling it: that is the
      // point, not a lost `this`.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain JavaScript (scripts, bench, Jest's global setup, the config files): no type
    // information, so the type-checked rules are off; eslint:recommended still applies.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
