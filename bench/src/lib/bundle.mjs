// The esbuild options every browser page of the bench is built with: one minified ES module per page, kept in
// memory, from the packages' built dist/ as users get them (`tsconfigRaw: '{}'` ignores the tsconfig `paths`
// that point at the sources for type-checking).

/** Spread into `build({ ...BROWSER_BUILD, entryPoints | stdin, … })`. */
export const BROWSER_BUILD = Object.freeze({
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  logLevel: 'silent',
  tsconfigRaw: '{}',
});
