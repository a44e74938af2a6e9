import Foundation

/// One result slot per index, filled concurrently (each index by exactly one worker), then read in
/// order: the shape of every "check N inputs on all cores, report in input order" loop.
public final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]

    public init(count: Int) { slots = Array(repeating: nil, count: count) }

    public subscript(index: Int) -> Value? {
        get { lock.withLock { slots[index] } }
        set { lock.withLock { slots[index] = newValue } }
    }

    /// The filled slots, in index order.
    public var values: [Value] { lock.withLock { slots.compactMap { $0 } } }

    /// Every slot, in index order (nil where a worker stored nothing).
    public var all: [Value?] { lock.withLock { slots } }
}
