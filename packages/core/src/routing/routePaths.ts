/** Paths routing treats specially: the platform API on owner hosts, private delivery paths, prefix stripping. */
import type { CustomDomainRoute } from "./routeModel.js";

const isAtOrUnder = (path: string, prefix: string): boolean =>
  path === prefix || path.startsWith(`${prefix}/`);

/** `/api/v1` and below: the platform API, reachable on every owner host and never routed to apps (A.7). */
export const isPlatformApiPath = (pathname: string): boolean => isAtOrUnder(pathname, "/api/v1");

const decodedOrRaw = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

/**
 * `/_w7s` and below: where the platform delivers queue, schedule and workflow calls to backends, so no
 * outside request may reach it (D.2 step 5, L.1). Compared percent-decoded and in any case, because an
 * app's own router may decode or fold case before matching.
 */
export const isPrivatePath = (path: string): boolean =>
  isAtOrUnder(
    decodedOrRaw(path)
      .replaceAll("\\", "/")
      .replace(/\/{2,}/g, "/")
      .toLowerCase(),
    "/_w7s",
  );

/** The path an app sees under a custom-domain route: the route's prefix removed (`/app/x` -> `/x`, `/app` -> `/`). */
export const stripRoutePrefix = (route: CustomDomainRoute, pathname: string): string => {
  const prefix = route.pathPrefix ?? "/";
  if (prefix === "/" || prefix === "") return pathname;
  if (pathname === prefix) return "/";
  return pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length) : pathname;
};

/**
 * The route of a host that owns `pathname` (H.4): a root route, or one whose prefix equals the path or is
 * followed by `/` in it; the longest prefix wins. For adapters that store every route of a host.
 */
export const selectCustomDomainRoute = <Route extends CustomDomainRoute>(
  routes: readonly Route[],
  pathname: string,
): Route | undefined => {
  const prefixLength = (route: Route): number => {
    const prefix = route.pathPrefix ?? "/";
    return prefix === "/" ? 0 : prefix.length;
  };
  return routes
    .filter((route) => {
      const prefix = route.pathPrefix ?? "/";
      return prefix === "/" || isAtOrUnder(pathname, prefix);
    })
    .reduce<Route | undefined>(
      (best, route) => (best === undefined || prefixLength(route) > prefixLength(best) ? route : best),
      undefined,
    );
};
