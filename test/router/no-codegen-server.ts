/**
 * Run by interpreted.test.ts as `node --disallow-code-generation-from-strings` on its build:
 * starts a Portico server on 127.0.0.1:0, sends it a few requests, prints one JSON line
 * (whether `new Function` was refused, then each answer's status, `Location`/`Allow` and body)
 * and exits.
 */
import http from 'node:http'
import { createServer } from '../../src/server/index.js'

interface Answer {
  status: number
  location: string | null
  allow: string | null
  body: string
}

function request(port: number, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => {
        const header = (name: string): string | null => (res.headers[name] === undefined ? null : String(res.headers[name]))
        resolve({ status: res.statusCode ?? 0, location: header('location'), allow: header('allow'), body })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

let codegen = 'allowed'
try {
  new Function('return 1')
} catch (error) {
  codegen = error instanceof EvalError ? 'refused' : `other: ${String(error)}`
}

const server = createServer()
server.on('serverError', (message, error) => console.error(message, error))
server.get('/users/{id:int}/posts/{slug}', (req) => ({ route: 'post', id: req.params.id, slug: req.params.slug }))
server.get('/users/{name}/posts/{slug}', (req) => ({ route: 'by-name', name: req.params.name, slug: req.params.slug }))
server.get('/static/{*path}', (req) => ({ route: 'static', path: req.params.path }))
await server.listen(0, '127.0.0.1')
const requests: [string, string][] = [
  ['GET', '/users/42/posts/caf%C3%A9'],
  ['GET', '/users/bob/posts/hello'],
  ['GET', '/static/css/site.css'],
  ['POST', '/users/42/posts/x'],
  ['GET', '/users/42/posts/x/'],
  ['GET', '/nothing/here'],
]
const answers: Answer[] = []
for (const [method, path] of requests) answers.push(await request(server.getPort(), method, path))
await server.stop()
console.log(JSON.stringify({ codegen, answers }))
