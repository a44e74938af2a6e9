import HTTPTypes
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Serves blob bodies with `sendfile(2)` on plain-HTTP connections once the machine is busy.
///
/// Hummingbird's response writer only takes byte buffers, so a blob served through it is copied
/// from the page cache into a buffer and again into the socket. On a plain connection the blob
/// handler instead answers with an empty body and an internal `X-Berth-Sendfile` header naming
/// the file and range; `SendfileHandler`, placed below Hummingbird's HTTP codec where bodies are
/// `IOData`, strips that header and writes the range as a `FileRegion`, which the kernel copies
/// straight from the page cache to the socket. TLS connections (NIOSSL cannot encrypt a file
/// region) keep the buffered path.
///
/// sendfile halves the server's CPU per byte, but it does the whole copy on the connection's
/// event loop; a buffered stream reads on the thread pool while the event loop writes, using two
/// cores. So while fewer blob bodies than cores are in flight, a new one takes the buffered path
/// (measured: a lone skopeo pull is about 10% faster that way); beyond that, sendfile (50
/// concurrent pulls: about half the CPU and over 10% more throughput than the buffered path).
enum Sendfile {
    /// Blob bodies in flight, by either path, on every connection.
    static let load = NIOLockedValueBox(BodyLoad())
    /// How many bodies must already be in flight before sendfile is used (tests set 0).
    static let threshold = NIOLockedValueBox(System.coreCount)

    /// Chooses the path for a new blob body on a sendfile-capable connection and reserves its place
    /// in the load: true for sendfile. The reservation is claimed when the body starts, or released
    /// when the connection closes first.
    static func reserve(on channel: ObjectIdentifier) -> Bool {
        let threshold = threshold.withLockedValue { $0 }
        return load.withLockedValue { $0.reserve(channel, threshold: threshold) }
    }

    /// When set (tests), file regions written per blob path: which path served a body is then
    /// observable per storage root, untouched by other servers in the same process.
    static let regionsByPath = NIOLockedValueBox<[String: Int]?>(nil)

    static let headerName = "X-Berth-Sendfile"
    static let field = HTTPField.Name(headerName)!

    /// The header value: `OFFSET LENGTH PATH`.
    static func value(path: String, range: ClosedRange<Int64>) -> String {
        "\(range.lowerBound) \(range.upperBound - range.lowerBound + 1) \(path)"
    }

    static func parse(_ value: String) -> (offset: Int64, length: Int64, path: String)? {
        let parts = value.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let offset = Int64(parts[0]), let length = Int64(parts[1]), offset >= 0, length > 0
        else { return nil }
        return (offset, length, String(parts[2]))
    }

    /// The channel handlers for `HTTP1Channel.Configuration.additionalChannelHandlers`: an installer
    /// that puts `SendfileHandler` just below the HTTP codec and then removes itself.
    static func channelHandlers() -> [any RemovableChannelHandler] { [Installer()] }

    /// The connections whose pipeline holds a `SendfileHandler`; the request context asks here,
    /// so a response is only ever marked where the handler will rewrite it (never on TLS, never
    /// in the in-process test router).
    private static let channels = NIOLockedValueBox(Set<ObjectIdentifier>())

    static func isEnabled(on channel: any Channel) -> Bool {
        channels.withLockedValue { $0.contains(ObjectIdentifier(channel)) }
    }

    static func enable(_ channel: any Channel) {
        _ = channels.withLockedValue { $0.insert(ObjectIdentifier(channel)) }
    }

    static func disable(_ channel: any Channel) {
        _ = channels.withLockedValue { $0.remove(ObjectIdentifier(channel)) }
    }

    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        /// Never reads: it removes itself as soon as it is added.
        typealias InboundIn = NIOAny

        func handlerAdded(context: ChannelHandlerContext) {
            let pipeline = context.pipeline.syncOperations
            if let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self),
                (try? pipeline.addHandler(SendfileHandler(), position: .before(codec))) != nil
            {
                Sendfile.enable(context.channel)
            }
            pipeline.removeHandler(context: context, promise: nil)
        }
    }
}

/// The count of blob bodies in flight, from the moment a response is chosen (so a burst of
/// requests sees its own earlier members) until the body is written, or the connection is gone.
struct BodyLoad: Sendable {
    private(set) var inFlight = 0
    /// Chosen but not yet started, by connection: released if the connection closes first.
    private var reserved: [ObjectIdentifier: Int] = [:]

    /// A new body on `channel`; true when `threshold` bodies were already in flight (use sendfile).
    mutating func reserve(_ channel: ObjectIdentifier, threshold: Int) -> Bool {
        let busy = inFlight >= threshold
        inFlight += 1
        reserved[channel, default: 0] += 1
        return busy
    }

    /// A reserved body started writing: it is now ended by `finish()`. If the reservation was
    /// already released (the connection closed in between), the body counts afresh, so that its
    /// `finish()` still balances.
    mutating func claim(_ channel: ObjectIdentifier) {
        guard let count = reserved[channel] else {
            inFlight += 1
            return
        }
        reserved[channel] = count > 1 ? count - 1 : nil
    }

    /// A body that was never reserved (a TLS connection) started writing.
    mutating func start() { inFlight += 1 }

    /// A started body finished, or failed.
    mutating func finish() { inFlight -= 1 }

    /// The connection closed: its unstarted reservations are no longer in flight.
    mutating func closed(_ channel: ObjectIdentifier) {
        inFlight -= reserved.removeValue(forKey: channel) ?? 0
    }
}

/// Rewrites a response marked with `X-Berth-Sendfile` into a head with the range's length and
/// a `FileRegion` body. Everything else passes through untouched.
final class SendfileHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var pending: (offset: Int64, length: Int64, path: String)?

    func handlerRemoved(context: ChannelHandlerContext) {
        Sendfile.disable(context.channel)
        let channel = ObjectIdentifier(context.channel)
        Sendfile.load.withLockedValue { load in
            // A marked head whose end never came (the connection closed first) is no longer in
            // flight, nor are bodies chosen for this connection that never started.
            if pending != nil { load.finish() }
            load.closed(channel)
        }
        pending = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            guard let value = head.headers.first(name: Sendfile.headerName) else {
                context.write(data, promise: promise)
                return
            }
            head.headers.remove(name: Sendfile.headerName)
            let channel = ObjectIdentifier(context.channel)
            guard let target = Sendfile.parse(value) else {
                // Not ours to interpret: never expose the internal header, answer without a body.
                Sendfile.load.withLockedValue { load in
                    load.claim(channel)
                    load.finish()
                }
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
            pending = target
            Sendfile.load.withLockedValue { $0.claim(channel) }
            head.headers.replaceOrAdd(name: "Content-Length", value: String(target.length))
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            // The marked response carries no body of its own.
            if pending != nil {
                promise?.succeed(())
            } else {
                context.write(data, promise: promise)
            }
        case .end(let trailers):
            guard let target = pending else {
                context.write(data, promise: promise)
                return
            }
            pending = nil
            let handle: NIOFileHandle
            do {
                handle = try NIOFileHandle(_deprecatedPath: target.path)
            } catch {
                // The head already promised a body: the only honest answer now is to close.
                Sendfile.load.withLockedValue { $0.finish() }
                promise?.fail(error)
                context.close(promise: nil)
                return
            }
            let region = FileRegion(
                fileHandle: handle, readerIndex: Int(target.offset), endIndex: Int(target.offset + target.length))
            context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: nil)
            Sendfile.regionsByPath.withLockedValue { counts in
                if counts != nil { counts?[target.path, default: 0] += 1 }
            }
            let done = context.eventLoop.makePromise(of: Void.self)
            done.futureResult.whenComplete { _ in
                try? handle.close()
                Sendfile.load.withLockedValue { $0.finish() }
            }
            done.futureResult.cascade(to: promise)
            context.write(wrapOutboundOut(.end(trailers)), promise: done)
        }
    }
}
