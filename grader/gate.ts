/**
 * A pass/fail gate for classrooms that grade in CI (GitHub Classroom, a course's own runner):
 * `--min-score` and `--require` make `deno task grade` exit with {@linkcode GATE_EXIT} when a
 * student falls short, so the run shows red. Without a gate the exit code says only whether
 * grading worked.
 *
 * @example
 * ```ts
 * import { gateShortfalls, parseMinScore } from "./gate.ts";
 * import { sampleReport } from "../tests/helpers/sample_report.ts";
 * const report = sampleReport(); // alice, 3 of 8 points, softmax 3/8
 * const gate = { minScore: parseMinScore("50%"), require: ["softmax"] };
 * const why = gateShortfalls(report, gate);
 * if (why.length !== 2 || !why[0].includes("3/8")) throw new Error(why.join("; "));
 * ```
 *
 * @module
 */
import type { SubmissionReport } from "./report/types.ts";

/** The exit code of a run where grading worked but a student fell short of the gate. */
export const GATE_EXIT = 3;

/** A minimum score: points, or a percentage of the maximum. */
export interface MinScore {
  /** The number given. */
  value: number;
  /** Whether it is a percentage. */
  percent: boolean;
}

/** What a submission must reach. */
export interface Gate {
  /** The lowest score that passes. */
  minScore?: MinScore;
  /** Exercise ids that must score full marks (an Exercism slug's `-` read as `_`). */
  require: string[];
}

/**
 * Parses `--min-score`: points (`100`) or a percentage of the maximum (`80%`).
 *
 * @example
 * ```ts
 * import { parseMinScore } from "./gate.ts";
 * const min = parseMinScore("80%");
 * if (min.value !== 80 || !min.percent) throw new Error(JSON.stringify(min));
 * let message = "";
 * try { parseMinScore("lots"); } catch (e) { message = (e as Error).message; }
 * if (!message.includes("--min-score")) throw new Error(message);
 * ```
 * @throws {RangeError} naming the flag, for anything but a number ≥ 0 (at most 100 %).
 */
export function parseMinScore(text: string): MinScore {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const value = match ? Number(match[1]) : NaN;
  const percent = match?.[2] === "%";
  if (!Number.isFinite(value) || (percent && value > 100)) {
    throw new RangeError(
      `--min-score takes points (100) or a percentage of the maximum (80%), got ${
        JSON.stringify(text)
      }`,
    );
  }
  return { value, percent };
}

/**
 * Checks the gate's exercise ids against the exercises being graded (`graded`), out of all the
 * tables' exercises (`all`): an id filtered out by `--exercise` is named as such.
 *
 * @example
 * ```ts
 * import { checkGate } from "./gate.ts";
 * let message = "";
 * try { checkGate({ require: ["sofmax"] }, ["softmax"]); } catch (e) { message = (e as Error).message; }
 * if (!message.includes('"sofmax"') || !message.includes("softmax")) throw new Error(message);
 * try { checkGate({ require: ["accuracy"] }, ["softmax"], ["softmax", "accuracy"]); }
 * catch (e) { message = (e as Error).message; }
 * if (!message.includes("--exercise")) throw new Error(message);
 * ```
 * @throws {RangeError} naming an unknown id and listing the known ones.
 */
export function checkGate(gate: Gate, graded: string[], all: string[] = graded): void {
  const missing = gate.require.find((id) => !graded.includes(id));
  if (missing === undefined) return;
  throw new RangeError(
    all.includes(missing)
      ? `--require ${missing}: that exercise is not graded in this run (--exercise chose ${
        graded.join(", ")
      }); add it to --exercise or leave it out of --require`
      : `--require: no exercise ${JSON.stringify(missing)}; the exercises are ${
        all.join(", ")
      } (or their slugs, with - for _)`,
  );
}

/**
 * Why `report` falls short of `gate`: one reason per rule it breaks, empty when it passes. A
 * submission that was not graded falls short of any gate.
 *
 * @example A submission that passes
 * ```ts
 * import { gateShortfalls } from "./gate.ts";
 * import { sampleReport } from "../tests/helpers/sample_report.ts";
 * const why = gateShortfalls(sampleReport(), { minScore: { value: 3, percent: false }, require: [] });
 * if (why.length !== 0) throw new Error(why.join("; "));
 * ```
 */
export function gateShortfalls(report: SubmissionReport, gate: Gate): string[] {
  const reasons: string[] = [];
  const hasRule = gate.minScore !== undefined || gate.require.length > 0;
  if (hasRule && report.status !== "graded") {
    return [`not graded (${report.status})`];
  }
  if (gate.minScore !== undefined) {
    const { value, percent } = gate.minScore;
    const needed = percent ? (value / 100) * report.maxScore : value;
    if (report.score < needed - 1e-9) {
      reasons.push(
        `score ${report.score}/${report.maxScore} is below --min-score ${value}${
          percent ? "%" : ""
        }`,
      );
    }
  }
  for (const id of gate.require) {
    const exercise = report.exercises.find((e) => e.id === id);
    if (exercise === undefined || exercise.score < exercise.maxScore) {
      reasons.push(
        `--require ${id}: ${exercise ? `${exercise.score}/${exercise.maxScore}` : "not graded"}`,
      );
    }
  }
  return reasons;
}
