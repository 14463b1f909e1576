/** The short stable hash that disambiguates shortened names and identities (B.6). */

const FNV_OFFSET_BASIS = 2166136261;
const FNV_PRIME = 16777619;

/** FNV-1a 32-bit over UTF-16 code units, unsigned, in base 36, left-padded with `0` and cut to 7 chars. */
export const hash7 = (value: string): string => {
  let hash = FNV_OFFSET_BASIS;
  for (let index = 0; index < value.length; index++) {
    hash = Math.imul(hash ^ value.charCodeAt(index), FNV_PRIME) >>> 0;
  }
  return hash.toString(36).padStart(7, "0").slice(0, 7);
};
