import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a file holding one top-level JSON array or object and hands over its elements (array
/// items, or object members as one-member objects) one at a time, so a file of any size is
/// imported in memory bounded by its largest element. Elements are not validated here: each is
/// parsed by the caller, which reports malformed ones.
struct JSONElementStream {
    enum Container {
        case array
        case object
    }

    /// Largest single element accepted (one OSV record; one source package of the Debian tracker).
    static let maximumElementSize = 64 << 20

    let path: String

    /// The top-level container, from the first byte that is not white space; nil for anything else.
    func container() throws(ScanError) -> Container? {
        var found: Container?
        var decided = false
        try readChunks { chunk throws(ScanError) in
            for byte in chunk where !Self.isWhitespace(byte) {
                found = byte == UInt8(ascii: "[") ? .array : byte == UInt8(ascii: "{") ? .object : nil
                decided = true
                return false
            }
            return true
        }
        return decided ? found : nil
    }

    /// Calls `body` with each element's bytes in order; for an object, each member as `{"key": value}`.
    func forEachElement(_ body: (Data) throws(ScanError) -> Void) throws(ScanError) {
        var container: Container?
        var depth = 0
        var inString = false
        var escaped = false
        var element: [UInt8] = []
        var finished = false
        var failure: ScanError?

        func emit() throws(ScanError) {
            defer { element.removeAll(keepingCapacity: true) }
            guard element.contains(where: { !Self.isWhitespace($0) }) else { return }
            if container == .object {
                try body(Data([UInt8(ascii: "{")] + element + [UInt8(ascii: "}")]))
            } else {
                try body(Data(element))
            }
        }

        try readChunks { chunk throws(ScanError) in
            for byte in chunk {
                if finished {
                    guard Self.isWhitespace(byte) else {
                        failure = .invalidRecord(subject: path, reason: "text after the top-level JSON value")
                        return false
                    }
                    continue
                }
                guard let kind = container else {
                    if Self.isWhitespace(byte) { continue }
                    guard byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") else {
                        failure = .invalidRecord(subject: path, reason: "not a JSON array or object")
                        return false
                    }
                    container = byte == UInt8(ascii: "[") ? .array : .object
                    depth = 1
                    continue
                }
                if inString {
                    element.append(byte)
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                } else {
                    switch byte {
                    case UInt8(ascii: "\""):
                        inString = true
                        element.append(byte)
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                        element.append(byte)
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            let closing = kind == .array ? UInt8(ascii: "]") : UInt8(ascii: "}")
                            guard byte == closing else {
                                failure = .invalidRecord(subject: path, reason: "mismatched bracket at the top level")
                                return false
                            }
                            do throws(ScanError) { try emit() } catch {
                                failure = error
                                return false
                            }
                            finished = true
                        } else {
                            element.append(byte)
                        }
                    case UInt8(ascii: ",") where depth == 1:
                        do throws(ScanError) { try emit() } catch {
                            failure = error
                            return false
                        }
                    default:
                        element.append(byte)
                    }
                }
                if element.count > Self.maximumElementSize {
                    failure = .invalidRecord(
                        subject: path, reason: "an element is larger than \(Self.maximumElementSize) bytes")
                    return false
                }
            }
            return true
        }
        if let failure { throw failure }
        guard container != nil else { throw .invalidRecord(subject: path, reason: "empty file: not JSON") }
        guard finished else {
            throw .invalidRecord(subject: path, reason: "truncated: the top-level JSON value is not closed")
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Reads the file in 1 MiB chunks until `body` returns false or the file ends.
    private func readChunks(_ body: (UnsafeBufferPointer<UInt8>) throws(ScanError) -> Bool) throws(ScanError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .database(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .database(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return }
            let more = try buffer.withUnsafeBufferPointer { pointer throws(ScanError) in
                try body(UnsafeBufferPointer(rebasing: pointer[0..<count]))
            }
            if !more { return }
        }
    }
}
