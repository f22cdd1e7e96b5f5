import { assertEquals, assertThrows } from "./helpers/assert.ts";
import { decodePlain, encodePlain, NotPlainError, validatePlain } from "../grader/sandbox/plain.ts";

Deno.test("encodePlain()/decodePlain() round-trip NaN, ±Infinity, -0 and $-keys exactly", () => {
  const value = {
    values: [1, NaN, Infinity, -Infinity, -0, 0, 1e-30],
    $: "a key that looks like the special-number tag",
    $$twice: [{ $: "NaN" }],
    nested: [[null, true, "x"]],
  };
  const back = decodePlain(encodePlain(value)) as typeof value;
  assertEquals(back.values.slice(0, 1), [1]);
  assertEquals(Number.isNaN(back.values[1]), true);
  assertEquals(back.values[2], Infinity);
  assertEquals(back.values[3], -Infinity);
  assertEquals(Object.is(back.values[4], -0), true);
  assertEquals(Object.is(back.values[5], 0), true);
  assertEquals(back.$, value.$);
  assertEquals(back.$$twice, [{ $: "NaN" }]);
  assertEquals(back.nested, value.nested);
});

Deno.test("decodePlain() refuses text encodePlain() cannot have written", () => {
  assertThrows(() => decodePlain('{"$": "Nope"}'), NotPlainError);
  assertThrows(() => decodePlain('{"$x": 1}'), NotPlainError);
  assertThrows(() => decodePlain("{"), SyntaxError);
});

Deno.test("validatePlain() accepts plain data and returns it unchanged", () => {
  const value = { shape: [2], dtype: "float32", values: [1, NaN], ok: true, none: null };
  assertEquals(validatePlain(value), value);
  const bare = Object.assign(Object.create(null), { a: 1 });
  assertEquals(validatePlain(bare), bare);
});

Deno.test("validatePlain() rejects values that can lie, naming where", () => {
  let reads = 0;
  const getter = {
    get x() {
      return ++reads;
    },
  };
  const cases: [unknown, string][] = [
    [getter, "output.x: a getter"],
    [new Proxy({}, {}), "a Proxy"],
    [new Number(1), "an instance of Number"],
    [{ valueOf: () => 3 }, "output.valueOf: a function"],
    [new Float32Array(2), "an instance of Float32Array"],
    [new Map(), "an instance of Map"],
    [[1, , 3], "a sparse array"],
    [Object.assign([1], { extra: 2 }), "an extra property"],
    [{ [Symbol("s")]: 1 }, "a symbol-keyed property"],
    [undefined, "undefined"],
    [10n, "a bigint"],
    [new (class Fake {})(), "an instance of Fake"],
  ];
  for (const [value, expected] of cases) {
    const error = assertThrows(() => validatePlain(value), NotPlainError);
    assertEquals(error.message.includes(expected), true, `${error.message} lacks ${expected}`);
  }
  assertEquals(reads, 0, "the getter must never run");
});

Deno.test("validatePlain() rejects cycles, deep nesting and oversized data", () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assertThrows(() => validatePlain(cycle), NotPlainError, "a cycle");
  let deep: unknown = 1;
  for (let i = 0; i < 70; i++) deep = [deep];
  assertThrows(() => validatePlain(deep), NotPlainError, "nesting deeper than 64");
  assertThrows(() => validatePlain(new Array(11).fill(0), { maxValues: 10 }), NotPlainError);
  assertThrows(() => validatePlain("x".repeat(11), { maxStringLength: 10 }), NotPlainError);
  // A shared (non-cyclic) reference is fine.
  const shared = [1];
  validatePlain({ a: shared, b: shared });
});
