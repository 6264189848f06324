const cache = new Map<string, RegExp>();

/** `*` matches any run of characters (dots included); everything else is literal. */
export function globMatch(glob: string, value: string): boolean {
  let re = cache.get(glob);
  if (!re) {
    const body = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*');
    re = new RegExp(`^${body}$`);
    if (cache.size > 1024) cache.clear();
    cache.set(glob, re);
  }
  return re.test(value);
}

export function anyGlobMatches(globs: readonly string[] | undefined, value: string): boolean {
  return globs === undefined || globs.some((g) => globMatch(g, value));
}
