/**
 * The `Status` enum of the seed's HTTPClient (Godot), with the seed's names (without the
 * `STATUS_` prefix) and numbers. {@link HTTPClient.getStatus} reports one of these.
 *
 * @example
 * ```ts
 * import { HTTPClient, Status } from 'portico/client'
 * const client = new HTTPClient()
 * client.connectToHost('example.com', 80)
 * while (client.getStatus() === Status.RESOLVING || client.getStatus() === Status.CONNECTING) {
 *   await client.pollAsync()
 * }
 * ```
 */
export enum Status {
  /** Disconnected from the server. */
  DISCONNECTED = 0,
  /** Resolving the host name into an IP address. */
  RESOLVING = 1,
  /** DNS failure: the host name cannot be resolved. */
  CANT_RESOLVE = 2,
  /** Connecting to the server. */
  CONNECTING = 3,
  /** The server cannot be reached (refused, unreachable, timed out). */
  CANT_CONNECT = 4,
  /** Connection established: ready for a request (or a response is available). */
  CONNECTED = 5,
  /** Sending the request, waiting for the response head. */
  REQUESTING = 6,
  /** The response head arrived; its body is being read. */
  BODY = 7,
  /** Error in the HTTP connection (closed mid-response, malformed response). */
  CONNECTION_ERROR = 8,
  /** Error in the TLS handshake (certificate rejected, protocol mismatch). */
  TLS_HANDSHAKE_ERROR = 9,
}
