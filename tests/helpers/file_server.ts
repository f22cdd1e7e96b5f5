/**
 * A local HTTP server on 127.0.0.1 for download tests: it plays the Fashion-MNIST mirror,
 * well or badly.
 *
 * The test decides per requested file name what to send, with the responses below: the
 * bytes, a 404, a body cut short under a full `Content-Length` (a dropped connection), or a
 * stall. Every request's file name is logged in `requests`. Nothing leaves the machine.
 *
 * @example
 * ```ts
 * import { bytesResponse, startFileServer } from "./file_server.ts";
 * await using server = startFileServer(() => bytesResponse(new Uint8Array([1, 2, 3])));
 * const body = new Uint8Array(await (await fetch(`${server.baseUrl}a.gz`)).arrayBuffer());
 * if (body.join() !== "1,2,3" || server.requests.join() !== "a.gz") throw new Error("unexpected: body.join() !== \"1,2,3\" || server.requests.join() !== \"a.gz\"");
 * ```
 *
 * @module
 */

/** A running test server. */
export interface FileServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT/`, ending in `/`, for the loader's `baseUrl`. */
  baseUrl: string;
  /** The file names requested so far, in order. */
  requests: string[];
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts a server answering `GET /NAME` with `respond(NAME)`.
 *
 * @example A 404 for everything
 * ```ts
 * import { notFound, startFileServer } from "./file_server.ts";
 * await using server = startFileServer(() => notFound());
 * const response = await fetch(`${server.baseUrl}x`);
 * await response.body?.cancel();
 * if (response.status !== 404) throw new Error("unexpected: response.status !== 404");
 * ```
 */
export function startFileServer(
  respond: (name: string) => Response | Promise<Response>,
): FileServer {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const name = decodeURIComponent(new URL(request.url).pathname.slice(1));
    requests.push(name);
    return respond(name);
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.shutdown();
  };
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}/`,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * A 200 with these bytes and their `Content-Length`.
 *
 * @example
 * ```ts
 * import { bytesResponse } from "./file_server.ts";
 * if (bytesResponse(new Uint8Array(3)).headers.get("content-length") !== "3") throw new Error("unexpected: bytesResponse(new Uint8Array(3)).headers.get(\"content-length\") !== \"3\"");
 * ```
 */
export function bytesResponse(bytes: Uint8Array): Response {
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: { "content-length": String(bytes.length), "content-type": "application/gzip" },
  });
}

/**
 * A 404 Not Found.
 *
 * @example
 * ```ts
 * import { notFound } from "./file_server.ts";
 * if (notFound().status !== 404) throw new Error("unexpected: notFound().status !== 404");
 * ```
 */
export function notFound(): Response {
  return new Response("Not Found", { status: 404, statusText: "Not Found" });
}

/**
 * A connection dropped mid-transfer: announces all of `bytes` in `Content-Length`, sends the
 * first `sent` of them, then closes the connection.
 *
 * @example
 * ```ts
 * import { droppedResponse } from "./file_server.ts";
 * if (droppedResponse(new Uint8Array(10), 4).headers.get("content-length") !== "10") {
 *   throw new Error("expected the full content-length, 10");
 * }
 * ```
 */
export function droppedResponse(bytes: Uint8Array, sent: number): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.slice(0, sent));
      controller.close();
    },
  });
  return new Response(body, {
    headers: { "content-length": String(bytes.length), "content-type": "application/gzip" },
  });
}

/**
 * A transfer that stalls: sends the first `sent` bytes, then nothing more until the client
 * gives up (the stream ends when the client disconnects).
 *
 * @example
 * ```ts
 * import { stalledResponse } from "./file_server.ts";
 * const response = stalledResponse(new Uint8Array(10), 2);
 * await response.body?.cancel();
 * ```
 */
export function stalledResponse(bytes: Uint8Array, sent: number): Response {
  let release: () => void = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.slice(0, sent));
    },
    pull() {
      return new Promise<void>((resolve) => (release = resolve));
    },
    cancel() {
      release();
    },
  });
  return new Response(body, {
    headers: { "content-length": String(bytes.length), "content-type": "application/gzip" },
  });
}
