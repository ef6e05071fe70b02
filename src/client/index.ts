/**
 * `portico/client`: the seed's low-level {@link HTTPClient} and the pooled {@link request}.
 * @module
 */
export { Status } from './status.js'
export { HTTPClient } from './http-client.js'
export { TLSOptions, type TrustedChain } from './tls-options.js'
export { queryStringFromDict, type QueryFields, type QueryValue } from './query-string.js'
export { openConnection, type ConnectTarget, type ConnectOptions, type ConnectPhase } from './connect.js'
export { connectTunnel } from './proxy-tunnel.js'
export { proxyFromEnv, type ProxyEnv } from './proxy-env.js'
export { Agent, type AgentOptions } from './agent.js'
export { request, globalAgent, DEFAULT_MAX_BODY_SIZE, type RequestOptions, type Timeouts } from './request.js'
export { ClientResponse } from './client-response.js'
export { ResponseBody, type ResponseBodyLimits } from './response-body.js'
export type { RequestBodyInit, HeadersInput } from './request-body.js'
export { Method } from '../http1/method.js'
export { ResponseCode } from '../http1/response-code.js'
