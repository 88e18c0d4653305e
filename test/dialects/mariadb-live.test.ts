/**
 * `bootstrap` against the machine's MariaDB, as a user runs it: the corpus' Chinook, Sakila and Employees
 * loaded into databases of their own, every v1 row checked against information_schema (read by the test,
 * not by the code under test) and its row_count against SELECT count(*).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type mysql from "mysql2/promise";
import { parseDdl, splitStatements } from "../../src/ddl/parse-ddl.js";
import { corpusFile } from "../helpers/corpus.js";
import { mariadbNamespace, readMariaDbCatalog, structureStatements, withMariaDbDatabase } from "../helpers/engines.js";
import { runCli, tempDir } from "../helpers/env.js";
import { namespaceConfig } from "../helpers/tree.js";
import { readRows } from "../helpers/store-rows.js";

function statements(schema: string, data?: string): string[] {
  const sql = corpusFile(schema);
  const inserts = splitStatements(data ? corpusFile(data) : sql, "mariadb").filter((s) => /^\s*INSERT\s+INTO/i.test(s));
  // the dumps load their rows with foreign-key checks off, as mysqldump writes them
  return [...structureStatements(sql, "mariadb").statements, "SET FOREIGN_KEY_CHECKS = 0", ...inserts, "SET FOREIGN_KEY_CHECKS = 1"];
}

function config(dir: string, namespace: string): string {
  return namespaceConfig(dir, "my", namespace);
}

for (const [label, schema, data, minForeignKeys] of [
  ["Chinook", "chinook/chinook_mysql.sql", undefined, 11],
  ["Sakila", "sakila/mysql-schema.sql", "sakila/mysql-data.sql", 22],
  ["Employees", "employees/mysql-schema.sql", undefined, 4],
] as const) {
  test(`bootstrap of ${label} in MariaDB: every row matches information_schema, row counts exact`, async (t) => {
    const dir = tempDir(t);
    await withMariaDbDatabase(statements(schema, data), async (database, conn: mysql.Connection) => {
      const cfg = config(dir, mariadbNamespace(database, { max_connections: 2 }));
      const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "my", "--workers", "2"], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      const catalog = await readMariaDbCatalog(conn, database);
      const rows = new Map((await readRows(path.join(dir, "stores", "datus_db_my"))).map((r) => [String(r.table_name), r]));
      assert.equal(rows.size, Object.keys(catalog).length, "one v1 row per table and view");
      let foreignKeys = 0;
      for (const [name, truth] of Object.entries(catalog)) {
        const row = rows.get(name);
        assert.ok(row, `${name} is in the store`);
        assert.equal(row.identifier, `${database}.${name}`, "canonical identifier: database.table");
        assert.equal(row.table_type, truth.kind);
        assert.equal(String(row.table_comment), truth.comment, `${name}: table comment`);
        const comments = JSON.parse(String(row.column_comments)) as Record<string, string>;
        for (const c of truth.columns) assert.equal(comments[c.name] ?? "", c.comment, `${name}.${c.name}: column comment`);
        if (truth.kind === "table") {
          const ddl = parseDdl(String(row.definition), "mariadb");
          assert.deepEqual(ddl.columns.map((c) => c.name), truth.columns.map((c) => c.name), `${name}: columns in order`);
          assert.deepEqual(ddl.columns.map((c) => c.nullable), truth.columns.map((c) => c.nullable), `${name}: nullability`);
          assert.deepEqual(ddl.primaryKey, truth.primaryKey, `${name}: primary key`);
        }
        const edges = (JSON.parse(String(row.relationship_metadata)) as { foreign_keys?: { from_column: string; to_table: string; to_column: string }[] }).foreign_keys ?? [];
        for (const fk of truth.foreignKeys) {
          for (let i = 0; i < fk.from.length; i++) {
            assert.ok(edges.some((e) => e.from_column === fk.from[i] && e.to_table.split(".").pop() === fk.toTable && e.to_column === fk.to[i]), `${name}.${fk.from[i]} -> ${fk.toTable}.${fk.to[i]}`);
            foreignKeys++;
          }
        }
        const [counted] = await conn.query(`SELECT count(*) AS n FROM \`${name.replace(/`/g, "``")}\``);
        assert.equal(row.row_count, Number((counted as { n: number }[])[0].n), `${name}: row_count is SELECT count(*)`);
      }
      assert.ok(foreignKeys >= minForeignKeys, `foreign keys checked: ${foreignKeys}`);
    }, (s, database) => s.replace(/\bsakila\./g, `\`${database}\`.`));
  });
}

test("a MariaDB user with only SELECT rights is enough for every command: bootstrap with statistics and relationship checks, the guide's full migration, a dry run", async (t) => {
  const dir = tempDir(t);
  const user = `datus_ro_${process.pid}`;
  const password = "select-only";
  await withMariaDbDatabase(
    [
      "CREATE TABLE customers (customer_id INT PRIMARY KEY, name VARCHAR(40)) COMMENT 'buyers'",
      "CREATE TABLE orders (order_id INT PRIMARY KEY, customer_id INT, status TINYINT COMMENT 'status: 0=new, 1=paid')",
      "INSERT INTO customers VALUES (1, 'a'), (2, 'b'), (3, 'c')",
      "INSERT INTO orders VALUES (10, 1, 0), (11, 2, 1), (12, 2, 1), (13, 3, 0)",
    ],
    async (database, conn) => {
      await conn.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await conn.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
      t.after(async () => {
        await conn.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
      });
      await conn.query(`GRANT SELECT ON \`${database}\`.* TO '${user}'@'%'`);
      const [grants] = await conn.query(`SHOW GRANTS FOR '${user}'@'%'`);
      assert.ok(
        (grants as Record<string, string>[]).every((g) => !/\b(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|ALL PRIVILEGES)\b/.test(Object.values(g)[0])),
        `the user may only read: ${JSON.stringify(grants)}`,
      );
      const cfg = config(dir, mariadbNamespace(database, { max_connections: 2, username: user, password }));
      const store = path.join(dir, "stores", "datus_db_my");

      const boot = await runCli(["bootstrap", "--config", cfg, "--namespace", "my", "--workers", "2", "--extract-statistics=true", "--extract-relationships=true"], { cwd: dir });
      assert.equal(boot.code, 0, boot.stderr);
      assert.doesNotMatch(boot.stderr, /not checked against the data|statistics failed/, "every statistic and check ran under the SELECT-only user");
      const rows = new Map((await readRows(store)).map((r) => [String(r.table_name), r]));
      assert.equal(Number(rows.get("orders")?.row_count), 4);
      assert.equal(Number(rows.get("customers")?.row_count), 3);
      const edge = (JSON.parse(String(rows.get("orders")?.relationship_metadata)) as { foreign_keys?: { from_column: string; to_table: string; containment?: number }[] }).foreign_keys?.find((e) => e.from_column === "customer_id");
      assert.equal(edge?.containment, 1, `orders.customer_id -> customers, measured on the data: ${JSON.stringify(edge)}`);

      const full = await runCli(["migrate", "--config", cfg, "--namespace", "my", "--extract-statistics=true", "--extract-relationships=true", "--import-schemas", "--force"], { cwd: dir });
      assert.equal(full.code, 0, full.stderr);
      const dry = await runCli(["bootstrap", "--config", cfg, "--namespace", "my", "--extract-statistics=true", "--dry-run"], { cwd: dir });
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /orders: \d statement\(s\)/);
    },
  );
});
