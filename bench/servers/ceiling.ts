/**
 * Benchmark "ceiling": a raw `node:net` server that parses nothing. It counts the request
 * heads in the incoming bytes (one per `\r\n\r\n`, so pipelined requests each get an answer)
 * and writes the same prebuilt response for each, whatever the route. No HTTP server on
 * Node can beat it by much: it measures the cost of the sockets alone.
 *
 * The `routes` argument is accepted and ignored (there is no routing).
 *
 * Run: `node build/bench/servers/ceiling.js <port> [routes]`.
 */
import { createServer } from 'node:net';
import { announceReady, HELLO_BODY, readServerArgs } from '../lib/server-args.js';

const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${HELLO_BODY.length}\r\n` +
    '\r\n' +
    HELLO_BODY,
);
const TERMINATOR = Buffer.from('\r\n\r\n');
const CR = 13;

/** Prebuilt answers for 1..16 pipelined requests, so a batch is one write of ready bytes. */
const BATCHES: Buffer[] = [Buffer.alloc(0)];
for (let n = 1; n <= 16; n++) BATCHES.push(Buffer.concat(Array.from({ length: n }, () => RESPONSE)));

/** One step of the matcher for `\r\n\r\n`; `state` is how many of its bytes were just seen. */
function step(state: number, byte: number): number {
  if (byte === TERMINATOR[state]) return state + 1;
  return byte === CR ? 1 : 0;
}

/**
 * Counts the `\r\n\r\n` in `chunk`, given how much of one the previous chunk ended with;
 * returns the count and the new partial state (0–3).
 */
function countHeadEnds(chunk: Buffer, state: number): { count: number; state: number } {
  let count = 0;
  let i = 0;
  // Finish a terminator split across two chunks.
  while (state > 0 && i < chunk.length) {
    state = step(state, chunk[i++] as number);
    if (state === 4) {
      count++;
      state = 0;
    }
  }
  if (state > 0) return { count, state };
  for (let p = chunk.indexOf(TERMINATOR, i); p !== -1; p = chunk.indexOf(TERMINATOR, i)) {
    count++;
    i = p + 4;
  }
  for (let j = Math.max(i, chunk.length - 3); j < chunk.length; j++) state = step(state, chunk[j] as number);
  return { count, state };
}

const { port } = readServerArgs();

const server = createServer((socket) => {
  let state = 0;
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    const found = countHeadEnds(chunk, state);
    state = found.state;
    if (found.count === 0) return;
    socket.write(BATCHES[found.count] ?? Buffer.concat(Array.from({ length: found.count }, () => RESPONSE)));
  });
  socket.on('error', () => socket.destroy());
});
server.listen(port, '127.0.0.1', announceReady);
