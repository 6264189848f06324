/**
 * FNV-1a, 32 bits, over the UTF-16 code units of `key`: stable across processes and cheap. Only
 * for spreading keys over buckets (bus members, probe threads), never for integrity.
 */
export function spreadHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
