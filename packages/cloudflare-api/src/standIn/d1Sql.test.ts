import { describe, expect, it } from "vitest";
import { StandInD1, splitStatements } from "./d1Sql.js";

describe("splitStatements", () => {
  it("splits at top-level semicolons only", () => {
    expect(
      splitStatements(`
        CREATE TABLE a (x TEXT DEFAULT ';'); -- a comment; still a comment
        /* block; comment */ INSERT INTO a VALUES ('it''s; fine');
        CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 'y'; DELETE FROM a WHERE 0; END;
        SELECT "semi;colon" FROM a;
      `),
    ).toHaveLength(4);
  });

  it("ignores empty statements", () => {
    expect(splitStatements(";;  ; SELECT 1;;")).toEqual(["SELECT 1"]);
  });
});

describe("StandInD1", () => {
  it("keeps one database per id and runs a query all-or-nothing", () => {
    const d1 = new StandInD1();
    d1.query("one", "CREATE TABLE t (id INTEGER PRIMARY KEY)", []);
    expect(() => d1.query("one", "INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)", [])).toThrow(/UNIQUE/);
    expect(d1.query("one", "SELECT count(*) AS n FROM t", [])[0]?.results).toEqual([{ n: 0 }]);
    expect(() => d1.query("two", "SELECT * FROM t", [])).toThrow(/no such table/);
    d1.close();
  });
});
