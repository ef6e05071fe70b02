/**
 * `portico/websocket`: WebSockets (RFC 6455) with permessage-deflate (RFC 7692), server and
 * client sides, topics for broadcast, and the pure protocol pieces (frame parser and writer,
 * handshake, negotiation) for those building their own.
 * @module
 */
export { WebSocket } from './websocket.js'
export type { WebSocketOptions, WebSocketBehaviour, WebSocketMessage, WebSocketData, WebSocketEvents, SendOptions, SlowConsumerPolicy } from './websocket-options.js'
export { WebSocketError } from './ws-error.js'
export { connectWebSocket, type WebSocketConnectOptions } from './client.js'
export { acceptWebSocket, nodeHandshakeRequest, type AcceptOptions, type AcceptResult } from './accept.js'
export { negotiateHandshake, computeAccept, type HandshakeRequest, type HandshakeResult, type ServerHandshakeOptions, type OriginCheck } from './handshake.js'
export { TopicRegistry, defaultTopics, type PublishOptions } from './topics.js'
export { Opcode, CloseCode, ReadyState, WS_GUID, DEFAULT_MAX_PAYLOAD } from './constants.js'
export { FrameParser, type Frame, type FrameParserOptions } from './frame-parser.js'
export { encodeFrame as encodeWebSocketFrame, type FrameOptions } from './frame-writer.js'
export { applyMask } from './mask.js'
export { isValidUtf8 } from './utf8.js'
export { encodeClosePayload, decodeClosePayload, isValidWireCloseCode } from './close-frame.js'
export { parseExtensions, formatExtension, type ExtensionOffer } from './extension-header.js'
export { acceptDeflateOffer, acceptDeflateResponse, deflateOffer, type PerMessageDeflateOptions, type DeflateParams } from './deflate-negotiation.js'
export { DeflateCodec, deflateMessage } from './deflate-codec.js'
export { selectSubprotocol, parseSubprotocols, type SubprotocolSelector } from './subprotocol.js'
export type { WebSocketHandler, WebSocketRouteOptions } from './install.js'
import './install.js'
