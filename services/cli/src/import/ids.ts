/** Longest id we generate, leaving room for a `-N` suffix within ServerId's 128. */
const MAX_ID_LENGTH = 120;

/** A server name → a ServerId: lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, MAX_ID_LENGTH)
    .replace(/[^a-z0-9]+$/, '');
  return slug || 'server';
}

/** Hands out ids unique within one import: the name, then `qualifier-name`, then `name-2`, `name-3` … */
export class IdAllocator {
  private readonly taken = new Set<string>();

  allocate(name: string, qualifier?: string): string {
    const base = slugify(name);
    const candidates = [base, ...(qualifier ? [slugify(`${qualifier}-${name}`)] : [])];
    for (const id of candidates) {
      if (!this.taken.has(id)) {
        this.taken.add(id);
        return id;
      }
    }
    for (let n = 2; ; n++) {
      const id = `${base}-${n}`;
      if (!this.taken.has(id)) {
        this.taken.add(id);
        return id;
      }
    }
  }
}
