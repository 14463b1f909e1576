/**
 * Raw headers as a Web `Headers` would hold them, for the fast path: a client's request headers as the
 * HTTP app sees them, and a backend's response headers for what the response rules do to them (`set`,
 * `delete`, `append`, `getSetCookie`), both then read in `Headers` order (`pairs`). The same facts at a
 * fraction of the cost of building a `Headers`. Names arrive validated (by the socket front or Node's
 * parser, and by `http1Client.ts`), so none are checked again.
 */
import type { ResponseHeaderBag } from "@w7s/core";

export class WebHeaderList implements ResponseHeaderBag {
  /** Lowercase names and their values, in arrival order, one entry per header line. */
  private readonly names: string[] = [];
  private readonly values: string[] = [];

  /** `raw`: names and values as received, alternating (as Node's `rawHeaders`). */
  constructor(raw: readonly string[]) {
    for (let index = 0; index + 1 < raw.length; index += 2) {
      this.names.push(raw[index]!.toLowerCase());
      this.values.push(raw[index + 1]!);
    }
  }

  append(name: string, value: string): void {
    this.names.push(name.toLowerCase());
    this.values.push(value);
  }

  delete(name: string): void {
    const lower = name.toLowerCase();
    for (let index = this.names.length - 1; index >= 0; index -= 1) {
      if (this.names[index] === lower) {
        this.names.splice(index, 1);
        this.values.splice(index, 1);
      }
    }
  }

  set(name: string, value: string): void {
    this.delete(name);
    this.append(name, value);
  }

  getSetCookie(): string[] {
    const cookies: string[] = [];
    for (let index = 0; index < this.names.length; index += 1)
      if (this.names[index] === "set-cookie") cookies.push(this.values[index]!);
    return cookies;
  }

  /**
   * What iterating a Web `Headers` gives: names in code-unit order, the values of a repeated name joined
   * with ", ", except `set-cookie`, each of which stays a pair of its own.
   */
  pairs(): Array<[string, string]> {
    const joined = new Map<string, string>();
    const cookies: string[] = [];
    for (let index = 0; index < this.names.length; index += 1) {
      const name = this.names[index]!;
      const value = this.values[index]!;
      if (name === "set-cookie") {
        cookies.push(value);
        continue;
      }
      const before = joined.get(name);
      joined.set(name, before === undefined ? value : `${before}, ${value}`);
    }
    if (cookies.length > 0) joined.set("set-cookie", "");
    const names = [...joined.keys()].sort();
    const pairs: Array<[string, string]> = [];
    for (const name of names) {
      if (name === "set-cookie") for (const cookie of cookies) pairs.push([name, cookie]);
      else pairs.push([name, joined.get(name)!]);
    }
    return pairs;
  }
}
