/**
 * A v0 store whose rows lack `database_name` (or spell their identifier in an old format): the v1 identifier
 * is made of the name columns (CONTRACT §3), so it changes. It must not change silently: the run warns, and
 * the summary counts the re-keyed and the normalised identifiers with examples. What the store holds
 * afterwards is read back, so the count is checked against what really happened.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { runCli, tempDir } from "../helpers/env.js";
import { readRows } from "../helpers/store-rows.js";

function row(identifier: string, databaseName: string, tableName: string): SourceTable {
  return { identifier, catalogName: "", databaseName, schemaName: "", tableName, tableType: "table", definition: `CREATE TABLE ${tableName} (id INT PRIMARY KEY)` };
}

test("identifiers a migration changes are said: re-keyed ones warned about and counted, old formats counted as normalised", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_shop");
  await writeV0Store(store, [
    row("shop.orders", "", "orders"), // database_name lost: re-keyed to "orders"
    row("shop.items", "", "items"), // the same
    row(".shop..customers.table", "shop", "customers"), // live_bootstrap's old format: normalised
    row("shop.payments", "shop", "payments"), // already canonical
  ]);
  const run = await runCli(["migrate", "--db-path", store, "--dialect", "mysql", "--skip-backup"]);
  assert.equal(run.code, 0, run.stderr);
  const stored = (await readRows(store)).map((r) => r.identifier).sort();
  assert.deepEqual(stored, ["items", "orders", "shop.customers", "shop.payments"], "what the store now holds");

  assert.match(run.stderr, /^warning: identifier shop\.(orders|items) becomes (orders|items): the v1 key is made of the row's name columns/m);
  assert.match(run.stdout, /^Identifiers re-keyed: 2 rows got a v1 identifier their stored one does not spell/m);
  assert.match(run.stdout, /^ {2}shop\.orders -> orders$/m);
  assert.match(run.stdout, /^ {2}shop\.items -> items$/m);
  assert.match(run.stdout, /^Identifiers normalised: 1 old-format identifiers written canonically \(e\.g\. \.shop\.\.customers\.table -> shop\.customers\)$/m);

  const dry = await runCli(["migrate", "--db-path", store, "--dialect", "mysql", "--force", "--dry-run", "--log-format=json"]);
  assert.equal(dry.code, 0, dry.stderr);
  const summary = dry.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === "migrate")!;
  assert.deepEqual(summary.identifiers_changed, { normalised: 0, rekeyed: 0, examples: [] }, "once v1, the keys are stable");
});
