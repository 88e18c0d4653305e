/**
 * `${VAR}` substitution in config values (CONTRACT §2). An unset variable is a config error that names
 * the key and the variable; it never becomes a literal (the old tool's `<MISSING:VAR>`).
 */

import { configError } from "../errors.js";

const REFERENCE = /\$\{([^}]*)\}/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replace every `${VAR}` in `value` from `env`. `keyPath` (e.g. `agent.namespace.prod.password`) is what
 * the error names. A variable set to `""` is set: it substitutes the empty string.
 */
export function substituteEnv(value: string, keyPath: string, env: NodeJS.ProcessEnv): string {
  const unset: string[] = [];
  const result = value.replace(REFERENCE, (_whole, name: string) => {
    if (!VARIABLE_NAME.test(name)) {
      throw configError(
        `${keyPath}: "\${${name}}" is not a variable reference`,
        `write \${NAME} with a name of letters, digits and _ (defaults like \${NAME:-x} are not supported)`,
      );
    }
    const replacement = env[name];
    if (replacement === undefined) {
      unset.push(name);
      return "";
    }
    return replacement;
  });
  if (unset.length > 0) {
    const names = unset.map((n) => `\${${n}}`).join(", ");
    const which = unset.length === 1 ? "which is not set" : "which are not set";
    throw configError(
      `${keyPath} uses ${names}, ${which} in the environment`,
      `export ${unset[0]}=... before running, or write the value into the config file`,
    );
  }
  return result;
}
