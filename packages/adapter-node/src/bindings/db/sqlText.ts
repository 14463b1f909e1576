/**
 * SQL text read the way D1 reads it, before anything runs: split into statements at the semicolons that end
 * them (not those in strings, comments or trigger bodies), with statements made only of comments dropped, each
 * statement's parameters numbered as SQLite numbers them, and its first keyword.
 */

export interface SqlStatement {
  /** From its first token to its last: no leading or trailing comments, no final semicolon. */
  readonly text: string;
  /** How many values it binds: SQLite's largest parameter index. */
  readonly parameterCount: number;
  /** Named parameters (`:a`, `@a`, `$a`) by their 1-based index; the others are bound by position. */
  readonly parameterNames: ReadonlyMap<number, string>;
  /** Its first keyword in lower case (`select`, `insert`, `with`, ...), or `""`. */
  readonly keyword: string;
}

const SPACE = /\s/;
const isWordCode = (code: number): boolean =>
  (code >= 48 && code <= 57) ||
  (code >= 65 && code <= 90) ||
  (code >= 97 && code <= 122) ||
  code === 95 ||
  code === 36 ||
  code > 127;
const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/** Where a quoted token that starts at `start` ends; a doubled quote inside it is part of it. */
const endOfQuoted = (sql: string, start: number, quote: string): number => {
  let at = start + 1;
  for (;;) {
    const close = sql.indexOf(quote, at);
    if (close < 0) return sql.length;
    if (sql[close + 1] !== quote) return close + 1;
    at = close + 2;
  }
};

const endOfWord = (sql: string, start: number): number => {
  let at = start;
  while (at < sql.length && isWordCode(sql.charCodeAt(at))) at += 1;
  return at;
};

/** A statement being read; a trigger's body may hold semicolons of its own. */
class StatementReader {
  start = -1;
  end = -1;
  keyword = "";
  private readonly head: string[] = [];
  private headOpen = true;
  /** `undefined` outside triggers; in one, whether its `BEGIN ... END` body has been read. */
  private trigger: "header" | "body" | "done" | undefined;
  private caseDepth = 0;
  private largestIndex = 0;
  private readonly named = new Map<string, number>();
  readonly names = new Map<number, string>();

  token(start: number, end: number): void {
    if (this.start < 0) this.start = start;
    this.end = end;
  }

  /** A token that is not a bare word ends the statement's leading words. */
  other(start: number, end: number): void {
    this.token(start, end);
    this.headOpen = false;
  }

  word(start: number, end: number, text: string): void {
    const first = this.start < 0;
    this.token(start, end);
    const word = text.toLowerCase();
    if (first) this.keyword = word;
    if (this.headOpen && this.head.length < 6) {
      this.head.push(word);
      const lead = this.head.filter((part) => part !== "explain" && part !== "query" && part !== "plan");
      if (
        this.trigger === undefined &&
        lead[0] === "create" &&
        (lead[1] === "trigger" || ((lead[1] === "temp" || lead[1] === "temporary") && lead[2] === "trigger"))
      )
        this.trigger = "header";
    }
    if (this.trigger === "header" && word === "begin") this.trigger = "body";
    else if (this.trigger === "body") {
      if (word === "case") this.caseDepth += 1;
      else if (word === "end") {
        if (this.caseDepth > 0) this.caseDepth -= 1;
        else this.trigger = "done";
      }
    }
  }

  numberedParameter(start: number, end: number, index: number | undefined): void {
    this.other(start, end);
    if (index === undefined) this.largestIndex += 1;
    else this.largestIndex = Math.max(this.largestIndex, index);
  }

  namedParameter(start: number, end: number, name: string): void {
    this.other(start, end);
    if (this.named.has(name)) return;
    this.largestIndex += 1;
    this.named.set(name, this.largestIndex);
    this.names.set(this.largestIndex, name);
  }

  /** Whether a semicolon here ends the statement (inside a trigger only after its `END`). */
  endsAtSemicolon(): boolean {
    return this.trigger === undefined || this.trigger === "done";
  }

  finish(sql: string): SqlStatement | undefined {
    if (this.start < 0) return undefined;
    return {
      text: sql.slice(this.start, this.end),
      parameterCount: this.largestIndex,
      parameterNames: this.names,
      keyword: this.keyword,
    };
  }
}

/** The statements of `sql`, in order; statements with no tokens (only comments or semicolons) are left out. */
export const splitSql = (sql: string): SqlStatement[] => {
  const statements: SqlStatement[] = [];
  let reader = new StatementReader();
  let at = 0;
  while (at < sql.length) {
    const char = sql[at]!;
    const next = sql[at + 1];
    if (SPACE.test(char)) {
      at += 1;
    } else if (char === "-" && next === "-") {
      const newline = sql.indexOf("\n", at);
      at = newline < 0 ? sql.length : newline + 1;
    } else if (char === "/" && next === "*") {
      const close = sql.indexOf("*/", at + 2);
      at = close < 0 ? sql.length : close + 2;
    } else if (char === ";") {
      if (reader.endsAtSemicolon()) {
        const statement = reader.finish(sql);
        if (statement !== undefined) statements.push(statement);
        reader = new StatementReader();
      } else {
        reader.other(at, at + 1);
      }
      at += 1;
    } else if (char === "'" || char === '"' || char === "`") {
      const end = endOfQuoted(sql, at, char);
      reader.other(at, end);
      at = end;
    } else if (char === "[") {
      const close = sql.indexOf("]", at + 1);
      const end = close < 0 ? sql.length : close + 1;
      reader.other(at, end);
      at = end;
    } else if (char === "?") {
      let end = at + 1;
      while (end < sql.length && isDigit(sql.charCodeAt(end))) end += 1;
      reader.numberedParameter(at, end, end > at + 1 ? Number(sql.slice(at + 1, end)) : undefined);
      at = end;
    } else if (
      (char === ":" || char === "@" || char === "$") &&
      next !== undefined &&
      isWordCode(next.charCodeAt(0))
    ) {
      let end = endOfWord(sql, at + 1);
      // Tcl-style `$a::b` names.
      while (sql.startsWith("::", end) && end + 2 < sql.length && isWordCode(sql.charCodeAt(end + 2)))
        end = endOfWord(sql, end + 2);
      reader.namedParameter(at, end, sql.slice(at, end));
      at = end;
    } else if (isWordCode(char.charCodeAt(0))) {
      const end = endOfWord(sql, at);
      reader.word(at, end, sql.slice(at, end));
      at = end;
    } else {
      reader.other(at, at + 1);
      at += 1;
    }
  }
  const last = reader.finish(sql);
  if (last !== undefined) statements.push(last);
  return statements;
};
