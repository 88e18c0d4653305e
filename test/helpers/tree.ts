/** Whole-directory evidence for "nothing changed" and "nothing leaked": every file under a directory, read from disk. */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Every file and directory under `root` (relative path -> SHA-1 of the content, or `dir`). */
export function snapshotTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      const rel = path.relative(root, p);
      if (entry.isDirectory()) {
        out.set(rel, "dir");
        walk(p);
      } else if (entry.isFile()) {
        out.set(rel, crypto.createHash("sha1").update(fs.readFileSync(p)).digest("hex"));
      }
    }
  };
  if (fs.existsSync(root)) walk(root);
  return out;
}

/** Every regular file under `root`, absolute paths. */
export function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) out.push(p);
    }
  };
  if (fs.existsSync(root)) walk(root);
  return out;
}

/** An agent.yml with the offline hashing embedding (384-d), an optional base_path, and `lines` more under `agent:`. */
export function hashingConfig(file: string, options: { readonly basePath?: string; readonly lines?: readonly string[] } = {}): string {
  const storage = ["  storage:", ...(options.basePath === undefined ? [] : [`    base_path: ${options.basePath}`])];
  const database = ["    database:", "      registry_name: hashing", "      model_name: datus-schema-hashing", "      dim_size: 384"];
  fs.writeFileSync(file, ["agent:", ...storage, ...database, ...(options.lines ?? []), ""].join("\n"));
  return file;
}

/**
 * agent.yml in `dir` for a live database: the hashing embedding, stores under `dir/stores`, and the one namespace
 * `name` whose YAML body (lines indented six spaces) is `namespace`.
 */
export function namespaceConfig(dir: string, name: string, namespace: string): string {
  return hashingConfig(path.join(dir, "agent.yml"), { basePath: path.join(dir, "stores"), lines: ["  namespace:", `    ${name}:`, namespace.replace(/\n$/, "")] });
}
