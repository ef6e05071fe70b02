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

  -o, --output FILE      write the body to FILE (through FILE.part, renamed when complete;
                         progress bar on a terminal); -o - writes to stdout, even binary
  -H, --header 'N: v'    add a request header (repeatable)
  -X, --request METHOD   request method (default GET, or POST with --data)
  -d, --data TEXT        request body (@FILE reads it from FILE)
  -C, --continue         resume a partial download of -o FILE (FILE.part, else FILE)
  -L, --location         follow redirects (up to 10)
      --proxy URL        use this HTTP proxy (default: HTTP_PROXY/HTTPS_PROXY/NO_PROXY)
      --no-proxy         ignore proxy environment variables
  -k, --insecure         do not verify TLS certificates (unsafe)
      --cacert FILE      trust the CA certificates in FILE
  -s, --silent           no progress bar
      --timeout SECONDS  connect, headers and body stall timeout (at most 2147483)
  -h, --help             this text

Exit status: 0 success (a redirect not followed without -L included), 1 HTTP status 400 or
above, or a redirect -L cannot follow, 2 usage error or local file error (-o, --cacert, -d @FILE),
3 network or protocol error.`

/**
 * The longest `--timeout`, in seconds: Node's timers hold at most 2^31 − 1 ms (about 24.8 days)
 * and fire at once beyond it.
 *
 * @example
 * ```ts
 * MAX_TIMEOUT_SECONDS // 2147483
 * ```
 */
export const MAX_TIMEOUT_SECONDS = 2_147_483

/**
 * Reads a `--timeout` value: seconds, more than 0 and at most {@link MAX_TIMEOUT_SECONDS}.
 *
 * @example
 * ```ts
 * parseTimeout('2.5') // 2.5
 * parseTimeout('1e400') // throws: --timeout needs seconds between 0 and 2147483 …
 * ```
 */
export function parseTimeout(text: string): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || n > MAX_TIMEOUT_SECONDS) {
    throw new Error(`--timeout needs seconds above 0 and at most ${MAX_TIMEOUT_SECONDS} (about 24 days), not '${text}'`)
  }
  return n
}

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
      case '--timeout': args.timeoutSeconds = parseTimeout(value()); break
      case '-h': case '--help': args.help = true; break
      default:
        if (arg.startsWith('-') && arg !== '-') throw new Error(`Unknown option ${arg}`)
        rest.push(arg)
    }
  }
  if (args.help) return args
  if (rest.length !== 1) throw new Error(rest.length === 0 ? 'Missing URL' : `One URL expected, got ${rest.length}`)
  args.url = rest[0].includes('://') ? rest[0] : 'http://' + rest[0]
  if (!URL.canParse(args.url)) throw new Error(`Bad URL '${rest[0]}'`)
  if (args.resume && (args.output === undefined || args.output === '-')) throw new Error('--continue needs -o FILE')
  for (const h of args.headers) if (h.indexOf(':') <= 0) throw new Error(`Bad header ${JSON.stringify(h)} (expected 'Name: value')`)
  return args
}
