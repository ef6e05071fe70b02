/**
 * Runs the chat: `node build/examples/chat/main.js [--port N]`, then open the printed URL in
 * two browser windows.
 * @module
 */
import { startChat } from './chat-server.js'

const at = process.argv.indexOf('--port')
const port = at >= 0 ? Number(process.argv[at + 1]) : 8080
const { server, url } = await startChat({ port })
console.log(`Portico chat listening on ${url}`)
const stop = (): void => void server.stop().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
