// ${VAR} and ${VAR:-default} in string values. Expansion runs on the parsed document, so a
// variable's value is always plain text and can never add YAML structure.
import type { FieldPath, Problem } from './errors';
import { isRecord } from './errors';

// `$${` escapes a literal `${`; the last alternative catches references we cannot read.
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g;

export interface Expanded {
  value: unknown;
  problems: Problem[];
}

/** Expands every string scalar of the document (not the keys). Unresolvable references stay as written. */
export function expandEnv(document: unknown, env: NodeJS.ProcessEnv): Expanded {
  const problems: Problem[] = [];
  const walk = (value: unknown, path: FieldPath): unknown => {
    if (typeof value === 'string') return expandString(value, env, path, problems);
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (isRecord(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]),
      );
    }
    return value;
  };
  return { value: walk(document, []), problems };
}

function expandString(text: string, env: NodeJS.ProcessEnv, path: FieldPath, problems: Problem[]): string {
  return text.replace(REFERENCE, (whole: string, name?: string, fallback?: string) => {
    if (whole === '$${') return '${';
    if (name === undefined) {
      problems.push({
        path,
        message:
          `${JSON.stringify(text)} has a \${ that is not a reference; write \${NAME} or \${NAME:-default}, ` +
          `or $\${ for a literal \${`,
      });
      return whole;
    }
    const value = env[name];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value !== undefined) return value;
    problems.push({
      path,
      message: `environment variable ${name} is not set and \${${name}} has no default; set it or write \${${name}:-VALUE}`,
    });
    return whole;
  });
}
