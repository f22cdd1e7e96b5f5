/**
 * A batch split across machines: each machine grades the students of one shard, chosen by
 * name, and {@linkcode mergeShards} combines the shards' output directories into one.
 *
 * ```text
 * deno task grade --batch subs --out out1 --shard 1/3     # on three machines, or three Jobs
 * deno task grade --batch subs --out out2 --shard 2/3
 * deno task grade --batch subs --out out3 --shard 3/3
 * deno task grade merge out1 out2 out3 --out grades       # gradebook.csv for the whole class
 * ```
 *
 * A student's shard depends on their name alone ({@linkcode shardOf}), so the machines agree
 * without talking to each other, and a student added late changes no one else's shard. Each
 * shard writes {@linkcode SHARD_FILE} next to its gradebook: which shard it is, every name it
 * saw in the batch directory, the digests of the kit and of the grading set-up (cases, points,
 * hidden cases, rubric, backend) and its gradebook rows. The merge refuses shards that overlap,
 * leave a student out, saw different classes, or graded with another kit or set-up, naming the
 * directories; then it writes the same files an unsharded batch writes, in a new directory.
 *
 * @example Every name has one shard, the same on every machine
 * ```ts
 * import { shardOf } from "./shards.ts";
 * const names = Array.from({ length: 300 }, (_, i) => `student${i}`);
 * const sizes = [1, 2, 3].map((k) => names.filter((n) => shardOf(n, 3) === k).length);
 * if (sizes.some((n) => n < 70) || sizes.reduce((a, b) => a + b) !== 300) throw new Error(`${sizes}`);
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../lib/write_atomic.ts";
import { digestFiles, gradingCodeDigest, kitFiles, sha256Hex } from "./kit_files.ts";
import type { Manifest } from "./manifest.ts";

/** One shard of a batch: `index` from 1 to `count`. */
export interface Shard {
  /** Which shard, from 1. */
  index: number;
  /** How many shards in all. */
  count: number;
}

/** The record each shard writes beside its gradebook. */
export interface ShardRecord {
  /** Always `"d2l-grade-shard"`. */
  kind: "d2l-grade-shard";
  /** Format version: 1. */
  version: 1;
  /** Which shard this is. */
  shard: Shard;
  /** Digest of the kit's grading code ({@linkcode gradingDigests}). */
  kit: string;
  /** Digest of the cases, points, hidden cases, rubric and backend. */
  setup: string;
  /** The results files' format. */
  format: string;
  /** Every student name in the batch directory, in the batch's (the gradebook's) order. */
  batch: string[];
  /** The gradebook's header line. */
  header: string;
  /** The students this shard graded: the gradebook row and the files written for each. */
  students: { name: string; row: string; files: string[] }[];
}

/**
 * The shard record's file name, in a shard's output directory. It holds a `+`, which no
 * student's results file can ({@linkcode ../report/escape.ts safeFileName} escapes it): a
 * student named `shard` once lost their `shard.json` to the record. (Not a dot file: CI
 * artifact uploads leave those out.)
 */
export const SHARD_FILE = "shard+record.json";

/**
 * Parses `K/N` (1 ≤ K ≤ N ≤ 1000).
 *
 * @example
 * ```ts
 * import { parseShard } from "./shards.ts";
 * const shard = parseShard("2/3");
 * if (shard.index !== 2 || shard.count !== 3) throw new Error(JSON.stringify(shard));
 * let message = "";
 * try { parseShard("0/3"); } catch (e) { message = (e as Error).message; }
 * if (!message.includes("from 1 to 3")) throw new Error(message);
 * ```
 * @throws {RangeError} naming `--shard` and the form it takes.
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (match === null) {
    throw new RangeError(
      `--shard takes K/N (shard K of N, from 1), got ${JSON.stringify(text)}; ` +
        "with a Kubernetes Indexed Job: --shard $((JOB_COMPLETION_INDEX + 1))/N",
    );
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > 1000) {
    throw new RangeError(`--shard ${text}: N must be from 1 to 1000, got ${count}`);
  }
  if (index < 1 || index > count) {
    throw new RangeError(`--shard ${text}: K must be from 1 to ${count}, got ${index}`);
  }
  return { index, count };
}

/**
 * The shard (1 to `count`) of the student `name`: FNV-1a of the name's UTF-8 bytes, mixed by
 * MurmurHash3's finaliser (FNV's low bits alone spread short, similar names badly), modulo
 * `count`. The same on every machine and in every version of the kit: changing it would move
 * students between shards graded by different versions.
 *
 * @example
 * ```ts
 * import { shardOf } from "./shards.ts";
 * if (shardOf("alice", 1) !== 1 || shardOf("alice", 4) !== shardOf("alice", 4)) {
 *   throw new Error("expected one stable shard");
 * }
 * ```
 */
export function shardOf(name: string, count: number): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash = (hash ^ (hash >>> 16)) >>> 0;
  return (hash % count) + 1;
}

/**
 * Digests that tell whether two machines grade alike: `kit`, of the kit's grading code and
 * data (not its path); `setup`, of the manifest (cases, points, visibility, limits), the
 * hidden cases' files, the rubric file, the backend, the grader's limits (`--time-limit`,
 * `--memory-mb` and the others: every number and switch of its configuration) and Deno's
 * version.
 *
 * @example
 * ```ts ignore
 * import { gradingDigests } from "./shards.ts";
 * const { kit, setup } = await gradingDigests({ kitRoot: ".", manifest, backend: "wasm" });
 * ```
 */
export async function gradingDigests(options: {
  kitRoot: string;
  manifest: Manifest;
  backend: string;
  hiddenDir?: string;
  rubricFile?: string;
  /** The grader's configuration: its numbers and switches are digested, not its paths. */
  config?: object;
}): Promise<{ kit: string; setup: string }> {
  const kit = await gradingCodeDigest(options.kitRoot);
  const hidden = options.hiddenDir === undefined
    ? "none"
    : await digestFiles(options.hiddenDir, await kitFiles(options.hiddenDir));
  const rubric = options.rubricFile === undefined
    ? "none"
    : await sha256Hex(await Deno.readFile(options.rubricFile));
  // A shard graded with another time limit scored the same files 0 where the others scored 9,
  // and the merge took it (twenty-fourth review).
  const limits = Object.entries(options.config ?? {}).filter(([, value]) =>
    typeof value === "number" || typeof value === "boolean"
  ).sort(([a], [b]) => (a < b ? -1 : 1));
  const setup = await sha256Hex(
    new TextEncoder().encode(
      JSON.stringify({
        manifest: options.manifest,
        hidden,
        rubric,
        backend: options.backend,
        limits,
        deno: Deno.version.deno,
      }),
    ),
  );
  return { kit, setup };
}

function isRecord(value: unknown): value is ShardRecord {
  const r = value as ShardRecord;
  return typeof r === "object" && r !== null && r.kind === "d2l-grade-shard" &&
    r.version === 1 && Number.isInteger(r.shard?.index) && Number.isInteger(r.shard?.count) &&
    typeof r.kit === "string" && typeof r.setup === "string" && typeof r.format === "string" &&
    typeof r.header === "string" && Array.isArray(r.batch) &&
    r.batch.every((n) => typeof n === "string") && Array.isArray(r.students) &&
    r.students.every((s) =>
      typeof s?.name === "string" && typeof s.row === "string" && Array.isArray(s.files) &&
      s.files.every((f) => typeof f === "string")
    );
}

/** Reads and checks the shard record in `dir`. */
async function readRecord(dir: string): Promise<ShardRecord> {
  const text = await Deno.readTextFile(join(dir, SHARD_FILE)).catch((error) => {
    throw new Error(
      `${dir}: no ${SHARD_FILE} (${(error as Error).message}); pass the --out directories ` +
        "of `deno task grade --batch … --shard K/N` runs that finished",
    );
  });
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    throw new Error(`${dir}/${SHARD_FILE} is not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(record)) {
    throw new Error(`${dir}/${SHARD_FILE} is not a shard record of this kit's grader`);
  }
  return record;
}

/** A relative path that stays inside its directory. */
function inside(file: string): boolean {
  return file !== "" && !file.startsWith("/") && !file.split("/").includes("..");
}

/**
 * Merges the output directories of the N shards of one batch into `out` (which must not
 * exist, or be empty): every results file, and one `gradebook.csv` in the batch's order,
 * byte for byte what the unsharded batch writes. Returns how many students it holds.
 *
 * @example A gap is refused
 * ```ts ignore
 * import { mergeShards } from "./shards.ts";
 * await mergeShards(["out1", "out3"], "grades"); // Error: shard 2/3 is missing …
 * ```
 * @throws {Error} naming the directories, when the shards overlap, leave a shard or a student
 * out, saw different batch directories, or graded with another kit, set-up or format.
 */
export async function mergeShards(dirs: string[], out: string): Promise<number> {
  if (dirs.length === 0) throw new Error("merge: pass the shards' output directories");
  const records = await Promise.all(dirs.map(readRecord));
  const first = records[0];
  const differ = (what: string, pick: (r: ShardRecord) => string, hint: string) => {
    const other = records.findIndex((r) => pick(r) !== pick(first));
    if (other >= 0) {
      throw new Error(
        `${dirs[0]} and ${dirs[other]} were graded with different ${what}: ${hint}`,
      );
    }
  };
  differ(
    "shard counts",
    (r) => String(r.shard.count),
    `${first.shard.count} and ${
      records.find((r) => r.shard.count !== first.shard.count)?.shard.count
    }`,
  );
  differ("kits", (r) => r.kit, "grade every shard with the same version of the kit");
  differ(
    "set-ups",
    (r) => r.setup,
    "grade every shard with the same --hidden cases, --rubric, --backend, --exercise, " +
      "--time-limit and --memory-mb, with the same Deno",
  );
  differ("formats", (r) => r.format, "grade every shard with the same --format");
  differ(
    "batch directories",
    (r) => JSON.stringify(r.batch),
    "every shard must see the same student directories (copy the batch before grading)",
  );
  const count = first.shard.count;
  const byIndex = new Map<number, string>();
  records.forEach((record, i) => {
    const seen = byIndex.get(record.shard.index);
    if (seen !== undefined) {
      throw new Error(`shard ${record.shard.index}/${count} given twice: ${seen} and ${dirs[i]}`);
    }
    byIndex.set(record.shard.index, dirs[i]);
  });
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (missing.length > 0) {
    throw new Error(
      `shard${missing.length > 1 ? "s" : ""} ${missing.map((k) => `${k}/${count}`).join(", ")} ` +
        `missing: pass the output directories of all ${count} shards`,
    );
  }
  const rows = new Map<string, { row: string; dir: string; files: string[] }>();
  records.forEach((record, i) => {
    for (const student of record.students) {
      const seen = rows.get(student.name);
      if (seen !== undefined) {
        throw new Error(
          `${JSON.stringify(student.name)} was graded twice: in ${seen.dir} and in ${dirs[i]}`,
        );
      }
      if (shardOf(student.name, count) !== record.shard.index) {
        throw new Error(
          `${dirs[i]} graded ${JSON.stringify(student.name)}, who belongs to shard ` +
            `${shardOf(student.name, count)}/${count}`,
        );
      }
      if (!student.files.every(inside)) {
        throw new Error(`${dirs[i]}/${SHARD_FILE} names a file outside its directory`);
      }
      if (student.files.length === 0) {
        // Its report could not be written when the shard graded it (that run exited 2).
        throw new Error(
          `${dirs[i]} holds no report for ${JSON.stringify(student.name)} (it could not be ` +
            `written when that shard graded it): grade shard ${record.shard.index}/${count} again`,
        );
      }
      rows.set(student.name, { row: student.row, dir: dirs[i], files: student.files });
    }
  });
  const ungraded = first.batch.filter((name) => !rows.has(name));
  if (ungraded.length > 0) {
    throw new Error(
      `${ungraded.length} student(s) of the batch are in no shard's output, first ` +
        `${JSON.stringify(ungraded[0])} (shard ${shardOf(ungraded[0], count)}/${count}): ` +
        "was that shard's run cut short?",
    );
  }
  const batch = new Set(first.batch);
  const extra = [...rows.keys()].filter((name) => !batch.has(name));
  if (extra.length > 0) {
    throw new Error(`${JSON.stringify(extra[0])} was graded but is not in the batch`);
  }
  await checkOut(out);
  // Written beside `out`, then renamed into place: a merge that fails leaves no half of one.
  const partial = `${out.replace(/\/+$/, "")}.partial-${crypto.randomUUID()}`;
  try {
    const copies = new Set<string>();
    for (const name of first.batch) {
      const { dir, files } = rows.get(name)!;
      for (const file of files) {
        if (copies.has(file)) throw new Error(`two students' results share the file ${file}`);
        copies.add(file);
        await writeFileAtomic(join(partial, file), await Deno.readFile(join(dir, file)));
      }
    }
    await writeFileAtomic(
      join(partial, "gradebook.csv"),
      [first.header, ...first.batch.map((n) => rows.get(n)!.row)].join("\n") + "\n",
    );
    await Deno.remove(out).catch(() => {}); // empty, if it exists (checked above)
    await Deno.rename(partial, out);
  } catch (error) {
    await Deno.remove(partial, { recursive: true }).catch(() => {});
    throw error;
  }
  return first.batch.length;
}

/** Refuses an `out` that is a file or holds anything (a merge never mixes with older files). */
async function checkOut(out: string): Promise<void> {
  const info = await Deno.stat(out).catch(() => undefined);
  if (info === undefined) return;
  if (!info.isDirectory) throw new Error(`--out ${out} is a file; name a new directory`);
  for await (const _ of Deno.readDir(out)) {
    throw new Error(`--out ${out} is not empty; name a new directory`);
  }
}
