/**
 * A deterministic catalog of any size for tests and benchmarks: tables in four DDL styles (MySQL with
 * comments and enums, PostgreSQL with COMMENT ON, StarRocks SHOW CREATE output, SQLite), with foreign
 * keys between them, all in one database per style. Table i is always the same text.
 */
import type { SourceTable } from "../src/model.js";

const SUBJECTS = ["order", "customer", "product", "warehouse", "payment", "invoice", "shipment", "supplier", "store", "employee"];

function subject(i: number): string {
  return SUBJECTS[i % SUBJECTS.length];
}

function mysqlTable(name: string, i: number, ref: string): string {
  return `CREATE TABLE \`${name}\` (
  \`id\` bigint(20) NOT NULL AUTO_INCREMENT COMMENT '主键ID',
  \`${ref}_id\` bigint(20) NOT NULL COMMENT 'references ${ref}',
  \`status\` tinyint(4) NOT NULL DEFAULT '0' COMMENT '状态（0:录入、1:生产、2:配车）',
  \`amount\` decimal(12,2) DEFAULT NULL COMMENT '金额<元>',
  \`found_at\` datetime DEFAULT NULL COMMENT 'first time the row was found',
  \`note\` varchar(255) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`idx_${ref}\` (\`${ref}_id\`),
  CONSTRAINT \`fk_${name}_${ref}\` FOREIGN KEY (\`${ref}_id\`) REFERENCES \`${ref}_${i % 7}\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='${subject(i)} records ${i}'`;
}

function postgresTable(name: string, i: number, ref: string): string {
  return `CREATE TABLE public.${name} (
    id integer NOT NULL,
    ${ref}_id integer NOT NULL REFERENCES public.${ref}_${i % 5}(id),
    kind character varying(20) NOT NULL,
    created_at timestamp without time zone DEFAULT now() NOT NULL,
    CONSTRAINT ${name}_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE public.${name} IS '${subject(i)} history ${i}';
COMMENT ON COLUMN public.${name}.kind IS 'type: A=active, I=inactive';`;
}

function starrocksTable(name: string, i: number): string {
  return `CREATE TABLE \`${name}\` (
  \`${subject(i)}_key\` bigint(20) NOT NULL COMMENT "${subject(i)} key",
  \`dt\` date NOT NULL COMMENT "分区日期",
  \`pay_status\` int(11) NULL COMMENT "0->待付款；1->待发货；2->已发货",
  \`qty\` int(11) NULL COMMENT "数量"
) ENGINE=OLAP
DUPLICATE KEY(\`${subject(i)}_key\`, \`dt\`)
COMMENT "${subject(i)} 明细 ${i}"
PARTITION BY RANGE(\`dt\`)
(PARTITION p2024 VALUES [("2024-01-01"), ("2025-01-01")))
DISTRIBUTED BY HASH(\`${subject(i)}_key\`) BUCKETS 8
PROPERTIES (
"replication_num" = "1"
)`;
}

function sqliteTable(name: string, i: number, ref: string): string {
  return `CREATE TABLE ${name}
(
    ${name}_id INTEGER PRIMARY KEY AUTOINCREMENT,
    ${ref}_id INTEGER NOT NULL,
    title NVARCHAR(160) NOT NULL,
    FOREIGN KEY (${ref}_id) REFERENCES ${ref}_${i % 3} (${ref}_id)
)`;
}

const STYLES = ["mysql", "postgresql", "starrocks", "sqlite"] as const;
export type SyntheticStyle = (typeof STYLES)[number];

/** Table `i` of the synthetic catalog. */
export function syntheticTable(i: number): SourceTable & { readonly style: SyntheticStyle } {
  const style = STYLES[i % STYLES.length];
  const ref = subject(i + 3);
  const name = `${subject(i)}_${i}`;
  const databaseName = `${style}_db`;
  const schemaName = style === "postgresql" ? "public" : "";
  const definition =
    style === "mysql"
      ? mysqlTable(name, i, ref)
      : style === "postgresql"
        ? postgresTable(name, i, ref)
        : style === "starrocks"
          ? starrocksTable(name, i)
          : sqliteTable(name, i, ref);
  const identifier = [databaseName, schemaName, name].filter(Boolean).join(".");
  return { identifier, catalogName: "", databaseName, schemaName, tableName: name, tableType: "table", definition, style };
}

/** Tables 0..count-1, generated lazily (a million tables never sit in memory). */
export function* syntheticCatalog(count: number): Generator<SourceTable> {
  for (let i = 0; i < count; i++) {
    const { style: _style, ...table } = syntheticTable(i);
    yield table;
  }
}
