/**
 * A pure function of a short text, remembered: the same text gives the same result object again, without
 * computing it. Request and answer heads repeat from one request to the next on a kept connection, so the
 * request path parses each distinct head once. Bounded: at most `capacity` texts of at most `maxLength`
 * characters (longer ones are computed every time), the oldest forgotten first. Results must not be changed
 * by their users, since later callers get the same object.
 */
export const memoByText = <A>(
  compute: (text: string) => A,
  options: { readonly capacity?: number; readonly maxLength?: number } = {},
): ((text: string) => A) => {
  const { capacity = 256, maxLength = 2048 } = options;
  const known = new Map<string, A>();
  return (text) => {
    if (text.length > maxLength) return compute(text);
    const found = known.get(text);
    if (found !== undefined || known.has(text)) return found as A;
    const result = compute(text);
    known.set(text, result);
    if (known.size > capacity) known.delete(known.keys().next().value!);
    return result;
  };
};
