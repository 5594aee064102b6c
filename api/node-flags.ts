/**
 * V8 flags the API process is started with: the Dockerfile's CMD, docker-compose's `api` command and
 * scripts/dev.ts pass them (keep the three in step with this list), and bench/catalog-import.ts measures
 * with them.
 *
 * `--max-semi-space-size=16` (MB): caps V8's young generation at 2×16 MB. Its default ceiling scales with
 * the heap limit, so on a large host it grows to 2×64 MB as soon as enough objects survive young
 * collections, which a catalog upload (100k rows parsed in seconds, lib/catalog/stage.ts) does: 96 MB more
 * peak RSS, the largest share of the import's memory. Scavenges stay as cheap (their cost is the live
 * objects, not the space), there are only more of them: the import's Node CPU did not change (bench/README.md).
 */
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
