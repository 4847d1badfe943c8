// Lints the e2e suite (node, with code that runs inside the page) and the site's own ES modules
// (browser only). `npm run lint`; the README's test command runs it.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['node_modules/**', '.logs/**'] },
  js.configs.recommended,
  {
    files: ['lib/**/*.js', 'tests/**/*.js', 'eslint.config.js'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      // Functions passed to page.evaluate run in the browser.
      globals: { ...globals.node, ...globals.browser },
    },
  },
  {
    // The site's own modules, linted from the repository's root (`npm run lint`).
    files: ['crates/web/static/**/*.js'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.browser } },
  },
];
