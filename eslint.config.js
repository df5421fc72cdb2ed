// Flat config: typescript-eslint's recommended rules plus a few that matter for a
// security product (no eval, no implied eval, no unsafe DOM sinks in the page).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'test/artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['web/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'Render claims as text (textContent), never HTML.' },
        { property: 'outerHTML', message: 'Render claims as text (textContent), never HTML.' },
        { property: 'insertAdjacentHTML', message: 'Render claims as text only.' },
      ],
    },
  },
);
