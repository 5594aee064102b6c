// `$app/paths` as the dashboard's service modules see it, for tests that import those modules outside
// SvelteKit (the schema drift test): links resolve to themselves.
export function resolve(path: string): string {
  return path;
}
