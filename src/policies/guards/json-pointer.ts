// RFC 6901 pointers, compiled once per configured guard, with one extension: a `*` segment matches every
// element of an array (or property of an object), so `/queries/*` guards each query of a list argument.

/** A value found at a pointer, with its concrete pointer (wildcards expanded). */
export interface PointedValue {
  readonly pointer: string;
  readonly value: unknown;
}

/** A compiled pointer: finds values in a document and replaces one (copy-on-write). */
export interface CompiledPointer {
  readonly source: string;
  /** Every value the pointer reaches; a missing member reaches nothing (an absent argument has nothing to check). */
  find(document: unknown): PointedValue[];
}

const unescape = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');
const escape = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Splits a pointer into unescaped segments (`""` → none). */
export function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescape);
}

/** Compiles a pointer (syntax checked by the config schema). */
export function compilePointer(source: string): CompiledPointer {
  const segments = pointerSegments(source);
  const find = (document: unknown): PointedValue[] => {
    const out: PointedValue[] = [];
    const walk = (value: unknown, i: number, at: string): void => {
      if (i === segments.length) {
        out.push({ pointer: at, value });
        return;
      }
      if (!isObject(value)) return;
      const seg = segments[i]!;
      if (seg === '*') {
        if (Array.isArray(value)) value.forEach((v, k) => walk(v, i + 1, `${at}/${k}`));
        else for (const [k, v] of Object.entries(value)) walk(v, i + 1, `${at}/${escape(k)}`);
        return;
      }
      if (Array.isArray(value) ? !/^(0|[1-9]\d*)$/.test(seg) : !Object.hasOwn(value, seg)) return;
      walk((value as Record<string, unknown>)[seg], i + 1, `${at}/${escape(seg)}`);
    };
    walk(document, 0, '');
    return out;
  };
  return { source, find };
}

/** A copy of `document` with the value at the concrete `pointer` replaced (the original is not touched). */
export function replaceAt(document: unknown, pointer: string, value: unknown): unknown {
  const segments = pointerSegments(pointer);
  const put = (node: unknown, i: number): unknown => {
    if (i === segments.length) return value;
    if (!isObject(node)) return node;
    const seg = segments[i]!;
    if (Array.isArray(node)) {
      const copy = node.slice();
      copy[Number(seg)] = put(node[Number(seg)], i + 1);
      return copy;
    }
    return { ...node, [seg]: put(node[seg], i + 1) };
  };
  return put(document, 0);
}
