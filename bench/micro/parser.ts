/**
 * `npm run bench:parser`: requests parsed per second by Portico's RequestParser, by
 * http-parser-js (used as Node once used it: HTTPParser with kOnHeadersComplete …) and by
 * Node's own llhttp binding (`process.binding('http_parser')`), in one run, as a table with
 * ratios. Rates are messages per CPU second of this process (the machine is shared), best of
 * BENCH_ROUNDS interleaved rounds (default 3) of BENCH_TIME seconds (default 1).
 */
import { createRequire } from 'node:module'
import { RequestParser, type RequestHead } from '../../src/http1/index.js'

const require = createRequire(import.meta.url)

type HeadersComplete = (...args: unknown[]) => unknown
interface CallbackParser {
  execute(data: Buffer): unknown
  [key: number]: unknown
}
interface ParserClass {
  new (type?: unknown): CallbackParser
  REQUEST: unknown
  kOnHeadersComplete: number
  kOnBody: number
  kOnMessageComplete: number
}

const browserGet = [
  'GET /assets/js/app.min.js?v=3f2a9c HTTP/1.1',
  'Host: www.example.com',
  'Connection: keep-alive',
  'sec-ch-ua: "Chromium";v="124", "Not.A/Brand";v="24"',
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0.0.0 Safari/537.36',
  'sec-ch-ua-platform: "Linux"',
  'Accept: */*',
  'Sec-Fetch-Mode: no-cors',
  'Sec-Fetch-Dest: script',
  'Referer: https://www.example.com/',
  'Accept-Encoding: gzip, deflate, br',
  'Accept-Language: en-US,en;q=0.9',
].join('\r\n') + '\r\n\r\n'

const json = JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item-${i}`, ok: true })) })
const body = json.padEnd(1024, ' ').slice(0, 1024)
const apiPost =
  'POST /api/v1/orders HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\n' +
  `Content-Length: ${body.length}\r\nAuthorization: Bearer abcdef0123456789\r\nAccept: application/json\r\n\r\n${body}`

const shortGet = 'GET /api/users/42 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n'

const scenarios = [
  { name: `browser GET (${browserGet.length} B, 12 headers)`, data: Buffer.from(browserGet, 'latin1'), messages: 1 },
  { name: `API POST (5 headers, 1 KiB body)`, data: Buffer.from(apiPost, 'latin1'), messages: 1 },
  { name: '10 pipelined GETs in one buffer', data: Buffer.from(shortGet.repeat(10), 'latin1'), messages: 10 },
]

/** A parser under test: feeds one buffer, returns the count of completed messages so far. */
interface Contender {
  name: string
  make(): { feed(data: Buffer): void; done(): number }
}

const portico: Contender = {
  name: 'Portico',
  make() {
    let done = 0
    let sink = 0
    const parser = new RequestParser({
      onHead(head: RequestHead) {
        sink += head.rawHeaders.length + head.url.length
      },
      onBody(chunk: Buffer) {
        sink += chunk.length
      },
      onComplete() {
        done++
      },
    })
    return { feed: (d) => void parser.execute(d), done: () => done + (sink & 0) }
  },
}

function callbackContender(name: string, Parser: ParserClass, init: (p: CallbackParser) => void, methodName: (m: unknown) => unknown): Contender {
  return {
    name,
    make() {
      let done = 0
      let sink = 0
      const parser = new Parser(Parser.REQUEST)
      init(parser)
      const onHeaders: HeadersComplete = (_maj, _min, headers, method, url) => {
        sink += (headers as string[]).length + (url as string).length + String(methodName(method)).length
        return 0
      }
      parser[Parser.kOnHeadersComplete] = onHeaders
      parser[Parser.kOnBody] = (b: Buffer) => {
        sink += b.length
      }
      parser[Parser.kOnMessageComplete] = () => {
        done++
      }
      return { feed: (d) => void parser.execute(d), done: () => done + (sink & 0) }
    },
  }
}

const HPJ = (require('http-parser-js') as { HTTPParser: ParserClass }).HTTPParser
// Reading kOnExecute switches http-parser-js to the argument list Node's parser uses (as Node did).
void (HPJ as unknown as { kOnExecute: number }).kOnExecute
const httpParserJs = callbackContender('http-parser-js', HPJ, () => {}, (m) => m)

function nativeContender(): Contender | null {
  const saved = process.noDeprecation
  process.noDeprecation = true
  try {
    const binding = (process as unknown as { binding(name: string): { HTTPParser: ParserClass; methods: string[] } }).binding('http_parser')
    const methods = binding.methods
    const Native = binding.HTTPParser
    return callbackContender(
      'node native (llhttp)',
      Native,
      (p) => (p as unknown as { initialize(type: unknown, resource: object, max: number, lenient: number): void }).initialize(Native.REQUEST, {}, 0, 0),
      (m) => methods[m as number],
    )
  } catch {
    return null
  } finally {
    process.noDeprecation = saved
  }
}

const contenders = [portico, httpParserJs, nativeContender()].filter((c): c is Contender => c !== null)
const seconds = Number(process.env.BENCH_TIME ?? 1)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)

/** CPU seconds used by this process so far (the machine is shared: wall time is noisy). */
function cpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** Messages per CPU second for one contender on one input. */
function measure(c: Contender, data: Buffer, perBuffer: number): number {
  const run = (ms: number): number => {
    const p = c.make()
    const end = performance.now() + ms
    let buffers = 0
    while (performance.now() < end) {
      for (let i = 0; i < 200; i++) p.feed(data)
      buffers += 200
    }
    if (p.done() !== buffers * perBuffer) throw new Error(`${c.name}: ${p.done()} messages for ${buffers * perBuffer}`)
    return buffers * perBuffer
  }
  run(200)
  const t0 = cpuSeconds()
  const n = run(seconds * 1000)
  return n / (cpuSeconds() - t0)
}

const fmt = (n: number): string => `${(n / 1e6).toFixed(2)} M/s`
console.log(`node ${process.version}; best of ${rounds} rounds of ${seconds}s; messages per CPU second\n`)
const header = ['scenario', ...contenders.map((c) => c.name), 'Portico / http-parser-js', 'Portico / native']
const rows: string[][] = []
for (const s of scenarios) {
  // Rounds interleave the contenders; each keeps its best round.
  const rates = contenders.map(() => 0)
  for (let r = 0; r < rounds; r++) contenders.forEach((c, i) => (rates[i] = Math.max(rates[i], measure(c, s.data, s.messages))))
  const native = contenders.findIndex((c) => c.name.startsWith('node native'))
  rows.push([
    s.name,
    ...rates.map(fmt),
    `${(rates[0] / rates[1]).toFixed(2)}x`,
    native >= 0 ? `${(rates[0] / rates[native]).toFixed(2)}x` : 'n/a',
  ])
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
const line = (r: string[]): string => '| ' + r.map((x, i) => x.padEnd(widths[i])).join(' | ') + ' |'
console.log(line(header))
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|')
for (const r of rows) console.log(line(r))
