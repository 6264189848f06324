import { openApiPath } from './route-scopes.js';

interface Pattern {
  route: string;
  regex: RegExp;
  methods: Set<string>;
}

/**
 * The registered routes by path pattern, filled from onRoute. Fastify answers a known path with a
 * wrong method as a 404; the API has always said 405 with `Allow`, and this is what tells them
 * apart. It also names a request's route for the metric without ever using the raw URL.
 */
export class RouteIndex {
  private readonly patterns = new Map<string, Pattern>();

  add(method: string, url: string): void {
    const route = openApiPath(url);
    let p = this.patterns.get(route);
    if (!p) {
      const source = route
        .split('/')
        .map((seg) => (/^\{[^}]+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      p = { route, regex: new RegExp(`^${source}$`), methods: new Set() };
      this.patterns.set(route, p);
    }
    p.methods.add(method.toUpperCase());
  }

  /** The pattern a concrete path belongs to, and the methods registered on it. */
  match(path: string): { route: string; methods: string[] } | undefined {
    for (const p of this.patterns.values()) {
      if (p.regex.test(path)) return { route: p.route, methods: [...p.methods].sort() };
    }
    return undefined;
  }

  routes(): Array<{ method: string; route: string }> {
    return [...this.patterns.values()].flatMap((p) => [...p.methods].map((method) => ({ method, route: p.route })));
  }
}

export function pathOf(url: string): string {
  const q = url.search(/[?#]/);
  return q === -1 ? url : url.slice(0, q);
}
