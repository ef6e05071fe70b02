/**
 * `portico/router`: the route tree (`Router<T>`), path-parameter types from pattern strings
 * (`PathParams<P>`), and the staged middleware pipeline (`MiddlewareStack<Req, Res>`).
 * @module
 */
export { Router, type RouterOptions, type RouteLookup, type RouteFound } from './router.js'
export type { PathParams, PathParamName } from './params.js'
export { MiddlewareStack, type Middleware, type Next, type Stage, type StageOptions, type Endpoint } from './compose.js'
