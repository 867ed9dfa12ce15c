/**
 * Module-level names the code generator invents (hoisted forEach bodies and their options) come
 * from one scope per generated module, which hands out each name once: a name already taken (by
 * the module's imports, its orchestrators, the names generated code relies on, or an earlier
 * hoisted body) gets the next free numbered form. So ids like `a` and `forEachLine4` can never
 * make two declarations collide.
 */
import { RESERVED_NAMES } from '../names';

export class NameScope {
  private readonly taken: Set<string>;

  constructor(taken: Iterable<string>) {
    this.taken = new Set([...RESERVED_NAMES, ...taken]);
  }

  /** `base` when it is free, else `base2`, `base3`, ...; the name is taken from then on. */
  name(base: string): string {
    let name = base;
    for (let n = 2; this.taken.has(name); n++) name = `${base}${n}`;
    this.taken.add(name);
    return name;
  }
}
