/** Paging for the listing operations of the ports. */

/** One page of a listing; `cursor` is null when nothing is left. */
export interface Page<A> {
  readonly items: ReadonlyArray<A>;
  readonly cursor: string | null;
}

/** Which page of a listing to read. */
export interface PageRequest {
  readonly cursor?: string;
  readonly limit: number;
}
