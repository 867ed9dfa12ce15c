/**
 * Traps on the ways out of the expression sandbox, for tests that run generated code with
 * hostile inputs: the Function constructor (as a global and as every function's `.constructor`),
 * `eval`, the `__proto__` accessor and the accessor helpers of Object.prototype, `process`.
 * Each trap passes through to the real thing (the test process's own libraries keep working) and
 * records a hit when the access comes from code under test, recognised by its file in the stack.
 * Installed for one run at a time; vitest gives every test file its own process.
 */

type Restore = () => void;

export interface Traps {
  /** Accesses made from code under test: what was reached, and the stack that reached it. */
  hits: Array<{ what: string; stack: string }>;
  /** Removes every trap. */
  restore: Restore;
}

/** Installs the traps; `suspect(stack)` tells whether an access comes from code under test. */
export function installTraps(suspect: (stack: string) => boolean): Traps {
  const hits: Traps['hits'] = [];
  const restores: Restore[] = [];
  let recording = false;
  const record = (what: string): void => {
    // Capturing a stack may itself touch a trapped property (source maps read `process`).
    if (recording) return;
    recording = true;
    try {
      const stack = new Error().stack ?? '';
      if (suspect(stack)) hits.push({ what, stack });
    } finally {
      recording = false;
    }
  };

  /** Replaces a data property by a pass-through accessor that records reads. */
  const accessor = (target: object, key: string | symbol, what: string): void => {
    const original = Object.getOwnPropertyDescriptor(target, key);
    if (!original) return;
    let value = original.get ? undefined : original.value;
    Object.defineProperty(target, key, {
      configurable: true,
      enumerable: original.enumerable,
      get(this: unknown) {
        record(what);
        return original.get ? original.get.call(this) : value;
      },
      set(this: unknown, v: unknown) {
        record(`${what} (set)`);
        if (original.set) original.set.call(this, v);
        else if (this === target) value = v;
        else Object.defineProperty(this as object, key, { value: v, writable: true, enumerable: true, configurable: true });
      },
    });
    restores.push(() => Object.defineProperty(target, key, original));
  };

  /** Wraps a function property so calls record a hit. */
  const wrap = (target: Record<string, unknown>, key: string, what: string): void => {
    const original = Object.getOwnPropertyDescriptor(target, key);
    if (!original || typeof original.value !== 'function') return;
    const fn = original.value as (...a: unknown[]) => unknown;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      record(what);
      return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
    };
    Object.defineProperty(target, key, { ...original, value: wrapped });
    restores.push(() => Object.defineProperty(target, key, original));
  };

  accessor(Function.prototype, 'constructor', 'Function (a function\'s .constructor)');
  accessor(Object.prototype, '__proto__', '__proto__');
  for (const k of ['__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']) wrap(Object.prototype as Record<string, unknown>, k, k);
  wrap(globalThis as unknown as Record<string, unknown>, 'Function', 'globalThis.Function');
  wrap(globalThis as unknown as Record<string, unknown>, 'eval', 'eval');
  accessor(globalThis, 'process', 'process');
  for (const k of ['binding', 'dlopen', 'exit', 'kill']) wrap(process as unknown as Record<string, unknown>, k, `process.${k}`);

  return {
    hits,
    restore: () => {
      for (const r of restores.reverse()) r();
    },
  };
}
