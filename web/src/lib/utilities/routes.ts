import type { PageRouteId } from '$app/types';

/**
 * Pages whose address has no parameters: what a plain link (`resolve(route)`) can point to. Routes like
 * `/app/conversations/[id]` need their params and are linked with `resolve(route, params)` instead.
 */
export type StaticRouteId = Exclude<PageRouteId, `${string}[${string}`>;
