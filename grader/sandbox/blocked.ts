/**
 * What a submission gets when it imports a `node:` built-in it may not use while grading: the
 * sandbox's import map sends `node:<name>` here as `blocked.ts?node:<name>` (see
 * `grader/prepare/import_map.ts`), and loading it throws, naming the built-in.
 *
 * @module
 */
const name = decodeURIComponent(new URL(import.meta.url).search.slice(1)) || "this built-in";
throw new Error(
  `${name} cannot be imported while grading (the README's grader section lists what an ` +
    "exercise may import)",
);
