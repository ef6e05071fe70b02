/**
 * Command-line arguments of `portico get`.
 * @module
 */

/** What `portico get` was asked to do. */
export interface GetArgs {
  url: string
  output?: string
  headers: string[]
  proxy?: string
  noProxy: boolean
  method?: string
  data?: string
  resume: boolean
  followRedirects: boolean
  insecure: boolean
  caFile?: string
  silent: boolean
  timeoutSeconds?: number
  help: boolean
}

/**
 * The usage text of `portico get`.
 *
 * @example
 * ```ts
 * console.log(GET_USAGE)
 * ```
 */
export const GET_USAGE = `Usage: portico get [options] URL

Downloads URL to stdout, or to a file with -o.

  -o, --output FILE      write the body to FILE (progress bar on a terminal)
  -H, --header 'N: v'    add a request header (repeatable)
  -X, --request METHOD   request method (default GET, or POST with --data)
  -d, --data TEXT        request body (@FILE reads it from FILE)
  -C, --continue         resume a partial download of -o FILE (Range request)
  -L, --location         follow redirects (up to 10)
      --proxy URL        use this HTTP proxy (default: HTTP_PROXY/HTTPS_PROXY/NO_PROXY)
      --no-proxy         ignore proxy environment variables
  -k, --insecure         do not verify TLS certificates (unsafe)
      --cacert FILE      trust the CA certificates in FILE
  -s, --silent           no progress bar
      --timeout SECONDS  connect, headers and body stall timeout
  -h, --help             this text

Exit status: 0 success, 1 HTTP status 400 or above, 2 usage error, 3 network or protocol error.`

/**
 * Parses `portico get` arguments; throws an `Error` with a usage message when they are wrong.
 *
 * @example
 * ```ts
 * parseGetArgs(['-o', 'x.bin', '-H', 'Accept: text/html', 'http://127.0.0.1:8080/x'])
 * ```
 */
export function parseGetArgs(argv: readonly string[]): GetArgs {
  const args: GetArgs = { url: '', headers: [], noProxy: false, resume: false, followRedirects: false, insecure: false, silent: false, help: false }
  const rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value`)
      return v
    }
    switch (arg) {
      case '-o': case '--output': args.output = value(); break
      case '-H': case '--header': args.headers.push(value()); break
      case '-X': case '--request': args.method = value().toUpperCase(); break
      case '-d': case '--data': args.data = value(); break
      case '-C': case '--continue': args.resume = true; break
      case '-L': case '--location': args.followRedirects = true; break
      case '--proxy': args.proxy = value(); break
      case '--no-proxy': args.noProxy = true; break
      case '-k': case '--insecure': args.insecure = true; break
      case '--cacert': args.caFile = value(); break
      case '-s': case '--silent': args.silent = true; break
      case '--timeout': {
        const n = Number(value())
        if (!(n > 0)) throw new Error('--timeout needs a positive number of seconds')
        args.timeoutSeconds = n
        break
      }
      case '-h': case '--help': args.help = true; break
      default:
        if (arg.startsWith('-') && arg !== '-') throw new Error(`Unknown option ${arg}`)
        rest.push(arg)
    }
  }
  if (args.help) return args
  if (rest.length !== 1) throw new Error(rest.length === 0 ? 'Missing URL' : `One URL expected, got ${rest.length}`)
  args.url = rest[0].includes('://') ? rest[0] : 'http://' + rest[0]
  if (args.resume && args.output === undefined) throw new Error('--continue needs -o FILE')
  for (const h of args.headers) if (h.indexOf(':') <= 0) throw new Error(`Bad header ${JSON.stringify(h)} (expected 'Name: value')`)
  return args
}
