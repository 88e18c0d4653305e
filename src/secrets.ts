/**
 * The secrets of the config this process read (namespace passwords, `agent.models` API keys, and the values
 * of `${VAR}`s whose names say they are secret), kept so that every line the CLI prints can be checked
 * against them. Messages are written not to quote secrets in the first place; this is the second guard, for
 * what a driver or a server echoes back (a connection string, an `Authorization` header in an error body).
 */

const secrets = new Set<string>();

/** Values shorter than this are no secret worth hiding, and hiding them would mangle ordinary text. */
const MIN_LENGTH = 4;

export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) {
    if (value === undefined || value.trim().length < MIN_LENGTH) continue;
    secrets.add(value);
    // as it appears inside a URL (user:password@host) or a query string
    const encoded = encodeURIComponent(value);
    if (encoded !== value) secrets.add(encoded);
  }
}

/** `text` with every registered secret replaced by `***`. */
export function redactSecrets(text: string): string {
  if (secrets.size === 0) return text;
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join("***");
  }
  return out;
}
