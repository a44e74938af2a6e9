import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// A GET whose body is read through AsyncHTTPClient's delegate interface into a buffer of several
/// reads, instead of through `HTTPClientResponse.Body`.
///
/// `HTTPClientResponse.Body` lets the connection read one socket read ahead of its consumer: after
/// each read the connection stops reading until the consumer, on another thread, takes the buffer,
/// so every read costs a read-interest change and two thread wake-ups, which made serving many
/// large blobs at once CPU-bound. Here the reads are gathered into batches of at least `batchSize`
/// bytes on the connection's event loop, the connection keeps reading while fewer than
/// `highWatermark` batches wait, and stops (the delegate's future stays pending) only when the
/// consumer falls behind. A read is up to `ObjectStoreConnections.maximumRead` (1 MiB) on the
/// registry's connections, so a batch is usually one read, and a stream holds about three batches
/// and the read in progress: a few MiB at most.
final class StreamingGet: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void
    typealias Strategy = NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark
    typealias Body = NIOThrowingAsyncSequenceProducer<[ByteBuffer], any Error, Strategy, Demand>

    /// Reads are handed over in batches of at least this many bytes: each hand-over wakes the consumer.
    static let batchSize = 256 * 1024
    static let lowWatermark = 1
    static let highWatermark = 2

    /// Tells the connection to read again once the consumer has caught up, and cancels the request
    /// when the consumer stops reading.
    struct Demand: NIOAsyncSequenceProducerDelegate {
        let owner: StreamingGet
        func produceMore() { owner.resume() }
        func didTerminate() { owner.consumerGone() }
    }

    struct State {
        var headDelivered = false
        /// The future the connection waits on while the consumer is behind.
        var waiting: EventLoopPromise<Void>?
        /// The consumer asked for more between a yield that said stop and the delegate's wait.
        var demanded = false
        var task: HTTPClient.Task<Void>?
        var cancelled = false
        /// Reads not yet handed over (touched on the connection's event loop only).
        var batch: [ByteBuffer] = []
        var batchBytes = 0
    }

    let head: EventLoopPromise<HTTPResponseHead>
    private let state = NIOLockedValueBox(State())
    private var source: Body.Source!
    private(set) var body: Body!

    init(eventLoop: any EventLoop) {
        head = eventLoop.makePromise()
        let made = Body.makeSequence(
            backPressureStrategy: Strategy(lowWatermark: Self.lowWatermark, highWatermark: Self.highWatermark),
            finishOnDeinit: true, delegate: Demand(owner: self))
        source = made.source
        body = made.sequence
    }

    /// Starts the request; its head arrives through `head`, its body through `body`.
    func start(_ request: HTTPClient.Request, on client: HTTPClient, deadline: NIODeadline) {
        // Callbacks on the connection's own event loop: no thread hop between a read and its delegate.
        let task = client.execute(
            request: request, delegate: self, eventLoop: .delegateAndChannel(on: head.futureResult.eventLoop),
            deadline: deadline)
        let cancel = state.withLockedValue { state -> Bool in
            state.task = task
            return state.cancelled
        }
        if cancel { task.cancel() }
    }

    func resume() {
        let promise = state.withLockedValue { state -> EventLoopPromise<Void>? in
            guard let promise = state.waiting else {
                state.demanded = true
                return nil
            }
            state.waiting = nil
            return promise
        }
        promise?.succeed(())
    }

    func consumerGone() {
        let (task, promise) = state.withLockedValue { state in
            state.cancelled = true
            let promise = state.waiting
            state.waiting = nil
            return (state.task, promise)
        }
        promise?.fail(CancellationError())
        task?.cancel()
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLockedValue { $0.headDelivered = true }
        self.head.succeed(head)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let full = state.withLockedValue { state -> [ByteBuffer]? in
            state.batch.append(buffer)
            state.batchBytes += buffer.readableBytes
            guard state.batchBytes >= Self.batchSize else { return nil }
            defer {
                state.batch = []
                state.batchBytes = 0
            }
            state.demanded = false
            return state.batch
        }
        guard let full else { return task.eventLoop.makeSucceededVoidFuture() }
        switch source.yield(full) {
        case .produceMore:
            return task.eventLoop.makeSucceededVoidFuture()
        case .stopProducing:
            return state.withLockedValue { state in
                if state.demanded {
                    state.demanded = false
                    return task.eventLoop.makeSucceededVoidFuture()
                }
                if state.cancelled { return task.eventLoop.makeFailedFuture(CancellationError()) }
                let promise = task.eventLoop.makePromise(of: Void.self)
                state.waiting = promise
                return promise.futureResult
            }
        case .dropped:
            return task.eventLoop.makeFailedFuture(CancellationError())
        }
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        let (headDelivered, promise) = state.withLockedValue { state in
            let answer = (state.headDelivered, state.waiting)
            state.headDelivered = true
            state.waiting = nil
            return answer
        }
        if !headDelivered { head.fail(error) }
        promise?.fail(error)
        source.finish(error)
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        let rest = state.withLockedValue { state in
            defer { state.batch = [] }
            return state.batch
        }
        if !rest.isEmpty { _ = source.yield(rest) }
        source.finish()
    }
}

extension S3Client {
    /// Sends a GET and answers the head of a 2xx response with its body, retrying as `send` does.
    func sendStreaming(_ request: Request) async throws -> (HTTPResponseHead, StreamingGet.Body) {
        var attempt = 0
        while true {
            attempt += 1
            let mayRetry = attempt < retry.maxAttempts
            let prepared = try prepare(request, date: Date())
            let converted: HTTPClient.Request
            do {
                converted = try HTTPClient.Request(
                    url: prepared.url, method: prepared.method, headers: prepared.headers)
            } catch {
                throw ObjectStoreError.invalidLocation(prepared.url, reason: "\(error)")
            }
            // Made only now: its promise is always fulfilled once the request has started.
            let get = StreamingGet(eventLoop: http.eventLoopGroup.next())
            let head: HTTPResponseHead
            do {
                get.start(converted, on: http, deadline: .now() + timeout(for: request))
                head = try await withTaskCancellationHandler {
                    try await get.head.futureResult.get()
                } onCancel: {
                    get.consumerGone()
                }
            } catch let error as ObjectStoreError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if mayRetry {
                    try await Task.sleep(for: retry.delay(after: attempt))
                    continue
                }
                throw ObjectStoreError.transport(
                    "\(request.method.rawValue) \(request.key ?? location.bucket): \(error)")
            }
            if (200..<300).contains(head.status.code) { return (head, get.body) }
            var collected = ByteBuffer()
            do {
                for try await batch in get.body where collected.readableBytes < 1 << 20 {
                    for var chunk in batch { collected.writeBuffer(&chunk) }
                }
            } catch {}
            let response = HTTPClientResponse(
                version: head.version, status: head.status, headers: head.headers, body: .bytes(collected))
            let error = await serviceError(response, request: request)
            if mayRetry && error.isTransient {
                try await Task.sleep(for: retry.delay(after: attempt))
                continue
            }
            throw ObjectStoreError.service(error)
        }
    }
}
