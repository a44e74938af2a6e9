// Object store benchmark driver: one put or get through Berth's S3 client, timed in-process.
//
//   objectstore-bench put LOCATION FILE KEY          single PUT of the file, streamed from disk
//   objectstore-bench upload LOCATION FILE KEY       multipart upload in 16 MiB parts
//   objectstore-bench get LOCATION KEY OUTPUT        GET streamed to OUTPUT
//
// LOCATION is an s3:// location; credentials come from the AWS environment variables or file.
// Output: {"operation":..., "bytes":N, "seconds":S, "mibPerSecond":X, "chunks":C (received, for get)}
import Foundation
import ObjectStore

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("objectstore-bench: \(message)\n".utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 4 else { fail("usage: objectstore-bench put|upload|get LOCATION FILE|KEY KEY|OUTPUT") }
let (operation, locationText) = (arguments[0], arguments[1])
do {
    var client = try S3Client(parsing: locationText)
    client.partSize = 16 << 20
    let start = now()
    var bytes: Int64 = 0
    var chunks = 0
    switch operation {
    case "put":
        let body = try ObjectBody.file(path: arguments[2])
        bytes = body.length
        try await client.put(arguments[3], body: body)
    case "upload":
        bytes = try ObjectBody.file(path: arguments[2]).length
        try await client.upload(file: arguments[2], to: arguments[3])
    case "get":
        let output = open(arguments[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { fail("cannot write \(arguments[3])") }
        var written: Int64 = 0
        try await client.get(arguments[2]) { chunk in
            let count = chunk.withUnsafeReadableBytes { Foundation.write(output, $0.baseAddress, $0.count) }
            guard count == chunk.readableBytes else { fail("short write to \(arguments[3])") }
            written += Int64(count)
            chunks += 1
        }
        close(output)
        bytes = written
    default:
        fail("unknown operation '\(operation)'")
    }
    let seconds = now() - start
    let rate = Double(bytes) / 1_048_576 / seconds
    print(
        "{\"operation\":\"\(operation)\",\"bytes\":\(bytes),\"seconds\":\(String(format: "%.3f", seconds)),"
            + "\"mibPerSecond\":\(String(format: "%.1f", rate)),\"chunks\":\(chunks)}")
} catch {
    fail("\(error)")
}
