/**
 * MariaDB: MySQL's dialect (its keywords vote for `mysql` when a dialect is sniffed) with its own
 * node-sql-parser grammar; read live by the MySQL source, which tells the two apart by `VERSION()`.
 */
import { defineDialect } from "../dialect-profile.js";
import { mysqlProfile } from "../mysql/mysql-profile.js";

export const mariadbProfile = defineDialect({
  name: "mariadb",
  aliases: [],
  lex: mysqlProfile.lex,
  names: mysqlProfile.names,
  grammar: "mariadb",
  sniff: {},
  live: mysqlProfile.live,
});
