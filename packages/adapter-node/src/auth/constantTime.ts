/** Token comparison that takes the same time wherever the first difference is, and whatever the lengths. */

const sha256 = async (text: string): Promise<Uint8Array> =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));

/** Compares the SHA-256 digests, so neither the position of a difference nor the length leaks. */
export const constantTimeEqual = async (candidate: string, expected: string): Promise<boolean> => {
  const [left, right] = await Promise.all([sha256(candidate), sha256(expected)]);
  let difference = 0;
  for (let index = 0; index < left.length; index += 1) difference |= left[index]! ^ right[index]!;
  return difference === 0;
};
