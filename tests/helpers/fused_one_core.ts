/**
 * Run by `tests/fused_engine_test.ts` under `taskset -c 0` (one core): trains the committed
 * subset for 30 passes with one thread, then with two, and prints the two times in
 * milliseconds as JSON (`{"one": …, "two": …}`).
 *
 * @module
 */
import { loadDataFashionMnist } from "../../data/fashion_mnist.ts";
import { initParams } from "../../lessons/02_softmax.ts";
import { FusedEngine } from "../../lib/fused_engine.ts";

const data = await loadDataFashionMnist(256, { subset: true, seed: 0 });
const start = initParams({ seed: 0 });
const ms: Record<string, number> = {};
for (const [name, threads] of [["one", 1], ["two", 2]] as const) {
  using engine = new FusedEngine(data.raw.train, data.raw.test, { threads });
  engine.setParams(start);
  engine.trainEpoch(data.trainIter.order(0), 256, 0.1); // compiled, and the Worker started
  const t0 = performance.now();
  for (let pass = 1; pass <= 30; pass++) engine.trainEpoch(data.trainIter.order(pass), 256, 0.1);
  ms[name] = performance.now() - t0;
}
console.log(JSON.stringify(ms));
