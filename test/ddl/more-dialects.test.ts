/**
 * Dialects of the issue's list beyond the corpus: SQL Server scripts with GO batches, Oracle DBMS_METADATA
 * output, Snowflake semi-structured types, Redshift distribution clauses. Texts as those tools print them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDdl, parseDdlScript, splitStatements } from "../../src/ddl/parse-ddl.js";
import type { TableStructure } from "../../src/model.js";

function columns(s: TableStructure): string[] {
  return s.columns.map((c) => `${c.name}:${c.type}${c.nullable ? "" : " NOT NULL"}${c.comment ? ` -- ${c.comment}` : ""}`);
}

const SQLSERVER = `CREATE TABLE [dbo].[Orders](
	[OrderID] [int] IDENTITY(1,1) NOT NULL,
	[CustomerID] [nchar](5) NULL,
	[Freight] [money] NULL CONSTRAINT [DF_Orders_Freight] DEFAULT (0),
	[Tags] [nvarchar](max) NULL,
 CONSTRAINT [PK_Orders] PRIMARY KEY CLUSTERED ([OrderID] ASC)
) ON [PRIMARY]
GO
ALTER TABLE [dbo].[Orders] WITH NOCHECK ADD CONSTRAINT [FK_Orders_Customers] FOREIGN KEY([CustomerID]) REFERENCES [dbo].[Customers] ([CustomerID])
GO
`;

describe("SQL Server (SSMS 'Script Table as CREATE')", () => {
  it("GO alone on its line separates batches; a column or word named go does not", () => {
    assert.equal(splitStatements(SQLSERVER, "sqlserver").length, 2);
    assert.equal(splitStatements("CREATE TABLE t (go int,\n  x int)\nGO 2\nSELECT 1", "sqlserver").length, 2);
  });
  it("reads bracketed types, inline named constraints, and the WITH NOCHECK foreign key of the next batch", () => {
    const t = parseDdl(SQLSERVER, "sqlserver");
    assert.equal(t.schemaName, "dbo");
    assert.equal(t.tableName, "Orders");
    assert.deepEqual(columns(t), ["OrderID:int NOT NULL", "CustomerID:nchar(5)", "Freight:money", "Tags:nvarchar(max)"]);
    assert.equal(t.columns[2].defaultValue, "(0)");
    assert.deepEqual(t.primaryKey, ["OrderID"]);
    assert.deepEqual(t.foreignKeys.map((f) => [f.fromColumns, f.toTable, f.toColumns]), [[["CustomerID"], "dbo.Customers", ["CustomerID"]]]);
    assert.equal(t.parseError, undefined);
  });
  it("keeps array brackets of other dialects", () => {
    assert.deepEqual(columns(parseDdl("CREATE TABLE t (tags text[], m int[3][3])", "postgresql")), ["tags:text[]", "m:int[3][3]"]);
  });
});

describe("Oracle (DBMS_METADATA.GET_DDL)", () => {
  it("reads quoted owner.table, NUMBER/VARCHAR2 types, ENABLE constraints, storage clauses and COMMENT ON", () => {
    const ddl = `CREATE TABLE "HR"."EMPLOYEES" ("EMPLOYEE_ID" NUMBER(6,0) NOT NULL ENABLE, "EMAIL" VARCHAR2(25 BYTE) CONSTRAINT "EMP_EMAIL_NN" NOT NULL ENABLE, "SALARY" NUMBER(8,2), "DEPARTMENT_ID" NUMBER(4,0), CONSTRAINT "EMP_EMP_ID_PK" PRIMARY KEY ("EMPLOYEE_ID") USING INDEX ENABLE, CONSTRAINT "EMP_DEPT_FK" FOREIGN KEY ("DEPARTMENT_ID") REFERENCES "HR"."DEPARTMENTS" ("DEPARTMENT_ID") ENABLE) SEGMENT CREATION IMMEDIATE TABLESPACE "USERS";
COMMENT ON TABLE "HR"."EMPLOYEES" IS 'employees table';
COMMENT ON COLUMN "HR"."EMPLOYEES"."SALARY" IS 'Monthly salary';`;
    const t = parseDdl(ddl, "oracle");
    assert.equal(t.tableName, "EMPLOYEES");
    assert.equal(t.comment, "employees table");
    assert.deepEqual(columns(t), ["EMPLOYEE_ID:NUMBER(6,0) NOT NULL", "EMAIL:VARCHAR2(25 BYTE) NOT NULL", "SALARY:NUMBER(8,2) -- Monthly salary", "DEPARTMENT_ID:NUMBER(4,0)"]);
    assert.deepEqual(t.primaryKey, ["EMPLOYEE_ID"]);
    assert.deepEqual(t.foreignKeys.map((f) => [f.fromColumns, f.toTable, f.toColumns]), [[["DEPARTMENT_ID"], "HR.DEPARTMENTS", ["DEPARTMENT_ID"]]]);
  });
});

describe("Snowflake (GET_DDL) and Redshift", () => {
  it("Snowflake: VARIANT, ARRAY and OBJECT columns, column and table comments", () => {
    const t = parseDdl(
      `create or replace TABLE ANALYTICS.PUBLIC.EVENTS (\n\tEVENT_ID NUMBER(38,0) NOT NULL COMMENT 'event id',\n\tPAYLOAD VARIANT COMMENT 'raw json',\n\tTAGS ARRAY,\n\tATTRS OBJECT,\n\tprimary key (EVENT_ID)\n) COMMENT='Clickstream events';`,
      "snowflake",
    );
    assert.deepEqual([t.databaseName, t.schemaName, t.tableName, t.comment], ["ANALYTICS", "PUBLIC", "EVENTS", "Clickstream events"]);
    assert.deepEqual(columns(t), ["EVENT_ID:NUMBER(38,0) NOT NULL -- event id", "PAYLOAD:VARIANT -- raw json", "TAGS:ARRAY", "ATTRS:OBJECT"]);
  });
  it("Redshift: ENCODE, DISTKEY and SORTKEY clauses do not leak into types", () => {
    const t = parseDdl("CREATE TABLE public.sales (salesid integer NOT NULL ENCODE az64, listid integer NOT NULL ENCODE az64 DISTKEY, pricepaid numeric(8,2) ENCODE az64, PRIMARY KEY (salesid)) DISTSTYLE KEY DISTKEY (listid) SORTKEY (salesid);", "redshift");
    assert.deepEqual(columns(t), ["salesid:integer NOT NULL", "listid:integer NOT NULL", "pricepaid:numeric(8,2)"]);
    assert.deepEqual(t.primaryKey, ["salesid"]);
  });
  it("a whole SQL Server script with two tables and GO batches gives both tables", () => {
    const tables = parseDdlScript(`${SQLSERVER}CREATE TABLE [dbo].[Customers]([CustomerID] [nchar](5) NOT NULL PRIMARY KEY)\nGO\n`, "sqlserver");
    assert.deepEqual(tables.map((t) => t.tableName), ["Orders", "Customers"]);
  });
});
