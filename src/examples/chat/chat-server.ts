/**
 * The chat of the Toit HTTP tutorial, on Portico: `/` and `/index.html` serve the page, `/ws`
 * is a WebSocket whose every text message is broadcast to all clients, the sender included;
 * other paths get 404. As Toit's `max-tasks=5`, at most `maxConcurrentRequests` handlers run
 * at once (a chat connection holds its slot while its receive loop runs, as a Toit task does).
 * @module
 */
import { createServer, type Handler, type Server } from '../../server/index.js'
import '../../websocket/index.js'
import { chatPage } from './page.js'

/** Options of {@link createChatServer}. */
export interface ChatOptions {
  /** Handlers running at once (Toit's `max-tasks`). Default 5. */
  maxConcurrentRequests?: number
  /** Largest chat message, bytes. Default 64 KiB. */
  maxMessageSize?: number
  /**
   * Called when a request arrives while every slot is held by an open chat connection, so it
   * waits until one closes (with the default 5, the sixth client hangs: Toit's `max-tasks` trap).
   */
  onWait?(maxConcurrentRequests: number): void
}

const TOPIC = 'chat'

/**
 * Builds the chat server (not yet listening).
 *
 * @example
 * ```ts
 * const server = createChatServer()
 * await server.listen(8080)
 * ```
 */
export function createChatServer(options: ChatOptions = {}): Server {
  const max = options.maxConcurrentRequests ?? 5
  const server = createServer({ maxConcurrentRequests: max })
  const mount: ChatMountOptions = { pagePaths: ['/', '/index.html'], wsPath: '/ws' }
  if (options.maxMessageSize !== undefined) mount.maxMessageSize = options.maxMessageSize
  const onWait = options.onWait
  if (onWait !== undefined) {
    // `accept` runs as a request is routed, before it queues for a slot; chat connections are
    // the only handlers that hold one for long.
    const open = { count: 0 }
    mount.open = open
    mount.accept = () => {
      if (open.count >= max) onWait(max)
      return true
    }
  }
  mountChat(server, mount)
  return server
}

/** Where {@link mountChat} puts the chat on a server. */
export interface ChatMountOptions {
  /** Paths serving the page. */
  pagePaths: string[]
  /** Path of the WebSocket. */
  wsPath: string
  /** Largest chat message, bytes. Default 64 KiB. */
  maxMessageSize?: number
  /** Runs as each chat request (page or WebSocket) is routed, before it waits for a slot. */
  accept?(): true
  /** Counts the chat connections open now (their handlers hold a slot while open). */
  open?: { count: number }
}

/**
 * Adds the chat's page and WebSocket to an existing server (every message, text or binary, is
 * published to all chat clients through `server.publish`, so a hub attached to the server
 * carries it further).
 *
 * @example
 * ```ts
 * mountChat(server, { pagePaths: ['/chat'], wsPath: '/chat/ws' })
 * ```
 */
export function mountChat(server: Server, options: ChatMountOptions): Server {
  const html = chatPage(options.wsPath)
  const page: Handler = (_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8')
    res.send(html)
  }
  const accept = options.accept
  for (const path of options.pagePaths) server.get(path, page, accept === undefined ? {} : { accept })
  const open = options.open
  server.ws(
    options.wsPath,
    async (ws) => {
      if (open !== undefined) open.count++
      try {
        ws.subscribe(TOPIC)
        // The tutorial's loop: `while data := web-socket.receive: clients.do: it.send data`.
        let data
        while ((data = await ws.receive()) !== null) {
          server.publish(TOPIC, data)
        }
      } finally {
        if (open !== undefined) open.count--
      }
    },
    {
      maxPayload: options.maxMessageSize ?? 64 * 1024,
      heartbeat: 30_000,
      perMessageDeflate: { serverNoContextTakeover: true },
      ...(accept === undefined ? {} : { accept }),
    },
  )
  return server
}

/**
 * Starts the chat on `port` (0: any free port) and returns the server and its URL.
 *
 * @example
 * ```ts
 * const { url } = await startChat({ port: 8080 })
 * console.log(`Chat on ${url}`)
 * ```
 */
export async function startChat(options: ChatOptions & { port?: number; host?: string } = {}): Promise<{ server: Server; url: string }> {
  const server = createChatServer(options)
  const host = options.host ?? '127.0.0.1'
  await server.listen(options.port ?? 0, host)
  return { server, url: `http://${host === '*' || host === '0.0.0.0' ? 'localhost' : host}:${server.getPort()}/` }
}
