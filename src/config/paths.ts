/**
 * Filesystem paths written in the config or on the command line.
 * `~` is the user's home; a relative path is resolved against the current working directory,
 * the way the guide's shell snippets (`cp -r "$DB_PATH" ...`) treat it, not against the config file's folder.
 */

import os from "node:os";
import fs from "node:fs";
import path from "node:path";

/** The user's home: `$HOME` of `env` when set (tests pass their own), else the OS's idea of it. */
export function homeDir(env: NodeJS.ProcessEnv): string {
  const home = env.HOME;
  return home !== undefined && home !== "" ? home : os.homedir();
}

/** `~` and `~/x` expanded, then made absolute against the current working directory. */
export function resolveUserPath(p: string, env: NodeJS.ProcessEnv): string {
  if (p === "~") return homeDir(env);
  if (p.startsWith("~/") || p.startsWith("~\\")) return path.join(homeDir(env), p.slice(2));
  return path.resolve(p);
}

const URI = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s;

/**
 * The file a duckdb/sqlite `uri` names, as an absolute path; `undefined` when the text is not a form we read.
 * Accepted: a plain path, or `{scheme}:///path` as SQLAlchemy and Datus write it: `sqlite:///data/x.db` is
 * relative (`data/x.db`), `sqlite:////abs/x.db` is absolute (`/abs/x.db`).
 */
export function fileUriToPath(uri: string, scheme: string, env: NodeJS.ProcessEnv): string | undefined {
  const match = URI.exec(uri);
  if (match === null) return resolveUserPath(uri, env);
  const [, uriScheme, rest] = match;
  if (uriScheme.toLowerCase() !== scheme || !rest.startsWith("/") || rest.length === 1) return undefined;
  const relative = rest.slice(1);
  const resolved = resolveUserPath(relative, env);
  // many configs write `duckdb:///home/me/x.duckdb` meaning an absolute path: a relative file that is not
  // there is taken as absolute when that file exists
  if (!path.isAbsolute(relative) && !relative.startsWith("~") && !fs.existsSync(resolved) && fs.existsSync(`/${relative}`)) return `/${relative}`;
  return resolved;
}
