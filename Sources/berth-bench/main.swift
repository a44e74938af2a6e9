// Parser benchmark: parses files N times in-process and prints throughput as JSON.
//
//   berth-bench [--passes N] FILE...
//
// Output: {"files":F,"instructions":I,"passes":N,"seconds":S,"instructionsPerSecond":X,
//          "msPerFile":Y,"largest":{"file":..., "lines":L, "bestMs":Z}}
import Dockerfile
import Foundation

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

var arguments = Array(CommandLine.arguments.dropFirst())
var passes = 100
if let index = arguments.firstIndex(of: "--passes"), index + 1 < arguments.count, let value = Int(arguments[index + 1])
{
    passes = value
    arguments.removeSubrange(index...(index + 1))
}
let inputs: [(String, [UInt8])] = arguments.compactMap { path in
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("berth-bench: cannot read \(path)\n".utf8))
        return nil
    }
    return (path, [UInt8](data))
}
guard !inputs.isEmpty else {
    FileHandle.standardError.write(Data("usage: berth-bench [--passes N] FILE...\n".utf8))
    exit(2)
}
let parser = DockerfileParser(options: ParserOptions(maxBytes: nil))
var instructions = 0
var failures = 0
let start = now()
for _ in 0..<passes {
    for (path, bytes) in inputs {
        do {
            instructions += try parser.parse(bytes: bytes, file: path).instructions.count
        } catch {
            failures += 1
        }
    }
}
let seconds = now() - start
let largest = inputs.max { $0.1.count < $1.1.count }!
var best = Double.infinity
for _ in 0..<20 {
    let t0 = now()
    _ = try? parser.parse(bytes: largest.1, file: largest.0)
    best = min(best, now() - t0)
}
let lines = largest.1.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
let files = inputs.count * passes
print(
    """
    {"files":\(inputs.count),"passes":\(passes),"parses":\(files),"failures":\(failures),\
    "instructions":\(instructions),"seconds":\(String(format: "%.4f", seconds)),\
    "instructionsPerSecond":\(Int(Double(instructions) / seconds)),\
    "msPerFile":\(String(format: "%.4f", seconds * 1000 / Double(files))),\
    "largest":{"file":"\(largest.0)","lines":\(lines),"bestMs":\(String(format: "%.3f", best * 1000))}}
    """)
