// Recognising detached partitions: tables that carry the parent's naming but are no longer attached.
import { namingPattern } from '../plan/naming';

/**
 * The fixed start every name from this template shares ({parent} filled in, cut at the first other
 * token). The catalog query keeps only tables starting with it, so sizes are read for few tables;
 * the full pattern is then checked here. An empty prefix is correct, only slower.
 */
export function namePrefix(template: string, parent: string): string {
  const firstOther = /\{(?!parent\})[^}]*\}/.exec(template);
  const fixed = firstOther ? template.slice(0, firstOther.index) : template;
  return fixed.replaceAll('{parent}', parent);
}

/** A predicate for names the template can produce for this parent. */
export function carriesNaming(template: string, parent: string): (name: string) => boolean {
  const pattern = namingPattern(template, parent);
  return (name) => pattern.test(name);
}
