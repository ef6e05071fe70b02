/**
 * The in-process hub: the default, with no dependency and nothing to start. `publish` reaches
 * this process's subscribers only.
 * @module
 */
import { BaseHub } from './hub.js'

/**
 * A hub within one process (the default: nothing to start, no dependency).
 *
 * @example
 * ```ts
 * const hub = new MemoryHub()
 * hub.subscribe('news', (m) => console.log(m.topic, m.payload))
 * hub.publish('news', 'hello')
 * ```
 */
export class MemoryHub extends BaseHub {
  readonly kind = 'memory'

  protected override hasRemote(): boolean {
    return false
  }

  protected async transmit(): Promise<boolean> {
    return true
  }
}

/**
 * Creates an in-process hub.
 *
 * @example
 * ```ts
 * const hub = memoryHub()
 * hub.subscribe('ticks', (m) => console.log(m.payload.toString()))
 * await hub.publish('ticks', String(Date.now()))
 * ```
 */
export function memoryHub(): MemoryHub {
  return new MemoryHub()
}
