/**
 * `TLSOptions` for the client, as the seed's `TLSOptions.client` / `TLSOptions.client_unsafe`:
 * which certification authorities to trust, which name the certificate must carry, or (named as
 * such) no verification at all.
 * @module
 */
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls'
import { isIP } from 'node:net'

/** Certificates in PEM (one string or buffer may hold a chain), as `tls.connect`'s `ca`. */
export type TrustedChain = string | Buffer | ReadonlyArray<string | Buffer>

/**
 * How a client verifies a TLS server. Build one with {@link TLSOptions.client} (verification on,
 * the system's CAs or the ones given) or {@link TLSOptions.clientUnsafe} (no verification).
 *
 * @example
 * ```ts
 * const ca = await readFile('test-ca.pem')
 * client.connectToHost('localhost', 8443, TLSOptions.client(ca, 'my.service.internal'))
 * client.connectToHost('localhost', 8443, TLSOptions.clientUnsafe()) // development only
 * ```
 */
export class TLSOptions {
  /** The CAs trusted instead of Node's bundled list; `undefined` means the default list. */
  readonly trustedChain: TrustedChain | undefined
  /** The name the server certificate must match instead of the host connected to. */
  readonly commonNameOverride: string | undefined
  /** `true`: the server certificate is not verified at all. */
  readonly unsafe: boolean

  private constructor(trustedChain: TrustedChain | undefined, commonNameOverride: string | undefined, unsafe: boolean) {
    this.trustedChain = trustedChain
    this.commonNameOverride = commonNameOverride === '' ? undefined : commonNameOverride
    this.unsafe = unsafe
  }

  /**
   * Verifying options: the certificate chain must lead to one of `trustedChain` (default: Node's
   * CA list) and name `commonNameOverride` (default: the host connected to).
   *
   * @example
   * ```ts
   * TLSOptions.client()                          // system CAs, host name checked
   * TLSOptions.client(caPem, 'api.internal')     // a private CA, another name expected
   * ```
   */
  static client(trustedChain?: TrustedChain, commonNameOverride?: string): TLSOptions {
    return new TLSOptions(trustedChain, commonNameOverride, false)
  }

  /**
   * Options that accept any certificate: no chain or name verification. Named unsafe on
   * purpose: a man in the middle can read and change everything. `trustedChain` is kept for
   * symmetry with the seed (it is not used for verification).
   *
   * @example
   * ```ts
   * TLSOptions.clientUnsafe() // self-signed development server
   * ```
   */
  static clientUnsafe(trustedChain?: TrustedChain): TLSOptions {
    return new TLSOptions(trustedChain, undefined, true)
  }

  /** Whether this is an unsafe (non-verifying) configuration. */
  isUnsafe(): boolean {
    return this.unsafe
  }

  /**
   * The `tls.connect` options for a connection to `host`: the certificate is checked against
   * `host` (a name, or an IP address against the certificate's IP entries); SNI is sent unless
   * `host` is an IP literal; ALPN offers `http/1.1`.
   *
   * @example
   * ```ts
   * tls.connect({ socket, ...TLSOptions.client().toConnectionOptions('example.com') })
   * ```
   */
  toConnectionOptions(host: string, alpn: readonly string[] = ['http/1.1']): ConnectionOptions {
    // `host` is what the certificate is checked against (tls.connect over an existing socket
    // would otherwise check 'localhost'); SNI carries names only (RFC 6066 §3).
    const options: ConnectionOptions = { ALPNProtocols: [...alpn], host }
    if (isIP(host) === 0) options.servername = host
    if (this.unsafe) {
      options.rejectUnauthorized = false
      return options
    }
    options.rejectUnauthorized = true
    if (this.trustedChain !== undefined) {
      options.ca = typeof this.trustedChain === 'string' || Buffer.isBuffer(this.trustedChain)
        ? this.trustedChain
        : [...this.trustedChain]
    }
    const expected = this.commonNameOverride
    if (expected !== undefined) {
      options.checkServerIdentity = (_host: string, cert: PeerCertificate) => checkServerIdentity(expected, cert)
    }
    return options
  }
}
