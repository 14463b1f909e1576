import { describe, expect, it } from "vitest";
import { splitSql } from "../src/bindings/db/sqlText.js";

const texts = (sql: string) => splitSql(sql).map((statement) => statement.text);

describe("SQL text split into statements as D1 reads it", () => {
  it.each([
    ["SELECT 1", ["SELECT 1"]],
    ["SELECT 1;", ["SELECT 1"]],
    ["  SELECT 1 ; SELECT 2;;  ", ["SELECT 1", "SELECT 2"]],
    ["SELECT 'a;b'; SELECT \"c;d\"", ["SELECT 'a;b'", 'SELECT "c;d"']],
    ["SELECT 'it''s; fine'", ["SELECT 'it''s; fine'"]],
    ["SELECT [a;b], `c;d` FROM t", ["SELECT [a;b], `c;d` FROM t"]],
    ["-- a; comment\nSELECT 1 -- trailing; comment", ["SELECT 1"]],
    ["/* a; */ SELECT /* b; */ 1 /* c; */", ["SELECT /* b; */ 1"]],
    ["-- only a comment", []],
    ["/* only */ ; ; -- comments", []],
    ["", []],
    ["SELECT 'unterminated;", ["SELECT 'unterminated;"]],
  ])("%j", (sql, expected) => {
    expect(texts(sql)).toEqual(expected);
  });

  it("keeps a trigger's body whole, CASE ... END inside it included", () => {
    const trigger =
      "CREATE TRIGGER t1 AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN new.x > 1 THEN 1 ELSE 0 END; INSERT INTO log VALUES (1); END";
    expect(texts(`${trigger}; SELECT 2`)).toEqual([trigger, "SELECT 2"]);
    const temp = "create temp trigger if not exists t2 before delete on a begin select 1; end";
    expect(texts(`${temp};select 3`)).toEqual([temp, "select 3"]);
    expect(texts('CREATE TABLE "trigger" (begin TEXT); SELECT 1')).toEqual([
      'CREATE TABLE "trigger" (begin TEXT)',
      "SELECT 1",
    ]);
  });

  it.each([
    ["SELECT 1", 0, []],
    ["SELECT ?, ?", 2, []],
    ["SELECT ?2, ?1", 2, []],
    ["SELECT ?1, ?, ?5", 5, []],
    ["SELECT ?3, ?", 4, []],
    ["SELECT :a, @b, $c, :a", 3, [":a", "@b", "$c"]],
    ["SELECT ?, :name, ?", 3, [":name"]],
    ["SELECT '?', \"?\", ? -- ?", 1, []],
  ])("numbers the parameters of %j as SQLite does", (sql, count, names) => {
    const [statement] = splitSql(sql);
    expect(statement!.parameterCount).toBe(count);
    expect([...statement!.parameterNames.values()]).toEqual(names);
  });

  it("names each statement's first keyword", () => {
    expect(
      splitSql("with x as (select 1) insert into t select * from x; PRAGMA foreign_keys").map(
        (s) => s.keyword,
      ),
    ).toEqual(["with", "pragma"]);
  });
});
