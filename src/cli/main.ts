/**
 * The `portico` command: dispatches to `serve`, `chat`, `get` and `demo`.
 * @module
 */
import { readFileSync } from 'node:fs'

/**
 * The top-level help text of `portico`.
 *
 * @example
 * ```ts
 * process.stdout.write(MAIN_HELP + '\n')
 * ```
 */
export const MAIN_HELP = `Usage: portico <command> [options]

Commands:
  serve [dir]   serve a directory over HTTP (listing, ranges, uploads, CORS, compression, TLS)
  chat          run the WebSocket chat (a page at /, a broadcast WebSocket at /ws)
  get URL       download a URL to stdout or a file (-o), with a progress bar on a terminal
  demo          run the demo server that shows every feature (what \`npm start\` runs)

Options:
  -h, --help     this help ('portico <command> --help' for a command's own)
  -v, --version  print the version

Examples:
  portico serve ./public -p 8080 --listing
  portico chat --port 8081
  portico get -o page.html http://127.0.0.1:8080/`

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

/**
 * Runs the CLI with the arguments after `portico`; resolves with the process exit code
 * (0 success, 1 failure, 2 usage error).
 *
 * @example
 * ```ts
 * process.exitCode = await run(process.argv.slice(2))
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve':
      return (await import('./serve.js')).runServe(rest)
    case 'chat':
      return (await import('./chat.js')).runChat(rest)
    case 'get':
      return (await import('./get.js')).runGet(rest)
    case 'demo':
      return (await import('./demo.js')).runDemo(rest)
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(MAIN_HELP + '\n')
      return command === undefined ? 2 : 0
    case '-v':
    case '--version':
      process.stdout.write(version() + '\n')
      return 0
    default:
      process.stderr.write(`portico: unknown command '${command}'\nTry 'portico --help'.\n`)
      return 2
  }
}
