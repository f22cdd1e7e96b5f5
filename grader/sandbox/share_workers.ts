/**
 * Which exercises share a sandbox Worker: the rule, apart from the grader's bookkeeping
 * ({@linkcode ../grade.ts}'s `planUnits` builds the Workers from it).
 *
 * Starting a Worker costs about as much as loading tfjs, so exercises share Workers, first fit
 * in the kit's order, within two rules:
 *
 * 1. **Import policy.** Every kit file loaded in a Worker (each member's own kit imports, its
 *    run modules') must be allowed to every member, so that no exercise can reach, through
 *    another's modules, what it may not load itself.
 * 2. **Hidden cases.** Visible and hidden cases never share a Worker, and the hidden ones run
 *    last. Hidden cases share a Worker only with exercises that refuse the same shortcuts: in
 *    another exercise's case, the submission could compute what this one refuses (tf.softmax,
 *    say, in gradient_by_hand's) on the hidden inputs its Worker has loaded, and answer from
 *    that (found by the twelfth review). Visible inputs are in the kit for anyone to read, so
 *    their Workers need no such rule.
 *
 * @example Hidden cases of exercises with different refusals get Workers of their own
 * ```ts
 * import { shareWorkers } from "./share_workers.ts";
 * const member = (id: string, hidden: boolean, refuses: string[]) => ({
 *   id, hidden, refuses, kit: ["lib/tf.ts"],
 * });
 * const groups = shareWorkers([
 *   member("sum_keepdim", false, []),
 *   member("softmax", false, ["softmax"]),
 *   member("sum_keepdim", true, []),
 *   member("softmax", true, ["softmax"]),
 *   member("stable_softmax", true, ["softmax", "logSoftmax"]),
 *   member("log_softmax", true, ["logSoftmax", "softmax"]),
 * ], () => true);
 * const ids = groups.map((g) => g.map((m) => `${m.hidden ? "hidden" : "visible"} ${m.id}`).join(" + "));
 * const expected = [
 *   "visible sum_keepdim + visible softmax", // visible: refusals do not matter
 *   "hidden sum_keepdim",
 *   "hidden softmax",
 *   "hidden stable_softmax + hidden log_softmax", // the same set, in another order
 * ];
 * if (ids.join("; ") !== expected.join("; ")) throw new Error(`grouped as ${ids.join("; ")}`);
 * ```
 *
 * @example No member may be given a kit file outside its own policy
 * ```ts
 * import { shareWorkers } from "./share_workers.ts";
 * const policy: Record<string, string[]> = {
 *   train: ["lib/tf.ts", "lessons/05_train_ch3.ts"],
 *   softmax: ["lib/tf.ts"],
 * };
 * const groups = shareWorkers([
 *   { id: "softmax", hidden: false, refuses: [], kit: ["lib/tf.ts"] },
 *   { id: "train", hidden: false, refuses: [], kit: ["lib/tf.ts", "lessons/05_train_ch3.ts"] },
 * ], (id, path) => policy[id].includes(path));
 * if (groups.length !== 2) throw new Error(`softmax's Worker would load lesson 5: ${groups.length}`);
 * ```
 *
 * @module
 */

/** One exercise's visible or hidden cases, to be placed in a Worker. */
export interface WorkerMember {
  /** The exercise's id. */
  id: string;
  /** Whether these are its hidden cases. */
  hidden: boolean;
  /** The tfjs functions its cases refuse (any order). */
  refuses: readonly string[];
  /** The kit files (kit-relative paths) its Worker would load for it. */
  kit: Iterable<string>;
}

/**
 * Groups `members` into Workers by the module's two rules: visible members first, then hidden
 * ones, each first fit in the given order. `allowed(id, path)` says whether exercise `id` may
 * load kit file `path`.
 */
export function shareWorkers<M extends WorkerMember>(
  members: readonly M[],
  allowed: (id: string, path: string) => boolean,
): M[][] {
  const groups: { members: M[]; kit: Set<string>; refuses: string }[] = [];
  for (const hidden of [false, true]) {
    const start = groups.length;
    for (const member of members) {
      if (member.hidden !== hidden) continue;
      const refuses = [...new Set(member.refuses)].sort().join(",");
      const kit = [...member.kit];
      const fits = (group: (typeof groups)[number]) => {
        if (hidden && group.refuses !== refuses) return false;
        const all = [...group.kit, ...kit];
        return [...group.members, member].every((m) => all.every((path) => allowed(m.id, path)));
      };
      let group = groups.slice(start).find(fits);
      if (group === undefined) {
        group = { members: [], kit: new Set(), refuses };
        groups.push(group);
      }
      group.members.push(member);
      for (const path of kit) group.kit.add(path);
    }
  }
  return groups.map((g) => g.members);
}
