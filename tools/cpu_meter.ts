/**
 * A Worker of the check's runner process ({@linkcode ./check_runner.ts}) that reports the
 * process's CPU time, every thread counted, on its stdout every 100 ms, as a reply line
 * `{ type: "cpu", ms }` after the mark it is sent. A thread of its own, it reports while the
 * learner's code keeps the main thread busy (an endless loop), so the check can hold a case to
 * CPU time as the grader does, on any platform and with no permission. The learner's code
 * shares that stdout and could print such lines itself: it would fool only its own check (the
 * clock's backstop still holds), never the grader.
 *
 * @module
 */
import process from "node:process";

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};
scope.onmessage = (event: MessageEvent) => {
  scope.onmessage = null;
  const mark = String((event.data as { mark: unknown }).mark);
  const encoder = new TextEncoder();
  const report = () => {
    const { user, system } = process.cpuUsage();
    const ms = Math.round((user + system) / 1000);
    Deno.stdout.writeSync(encoder.encode(`${mark}${JSON.stringify({ type: "cpu", ms })}\n`));
  };
  report();
  setInterval(report, 100);
  scope.postMessage("reporting"); // after the first report: the runner is ready only then
};
