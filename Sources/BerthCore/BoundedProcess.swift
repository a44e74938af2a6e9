import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a helper program (helm, kubectl) with a deadline and a cap on what it may print: the child
/// gets its own process group, and the whole group is killed when the deadline passes or the
/// output grows past the cap, so a renderer that hangs or never stops writing cannot hang Berth.
public enum BoundedProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var output: [UInt8]
        public var error: [UInt8]
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case cannotStart(String, reason: String)
        case timedOut(String, seconds: Double)
        case tooMuchOutput(String, limit: Int)

        public var description: String {
            switch self {
            case .cannotStart(let command, let reason): "cannot run \(command): \(reason)"
            case .timedOut(let command, let seconds):
                "\(command) did not finish within \(Int(seconds)) seconds and was stopped"
            case .tooMuchOutput(let command, let limit):
                "\(command) printed more than \(BoundedInput.describe(limit)) and was stopped"
            }
        }
    }

    /// Runs `executable` with `arguments`; standard input is empty.
    public static func run(
        _ executable: String, _ arguments: [String], timeout: Double, outputLimit: Int
    ) throws(Failure) -> Result {
        let command = ([URL(fileURLWithPath: executable).lastPathComponent] + arguments).joined(separator: " ")
        var output: [Int32] = [0, 0]
        var errors: [Int32] = [0, 0]
        guard pipe(&output) == 0, pipe(&errors) == 0 else {
            throw .cannotStart(command, reason: BoundedInput.reason(errno))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        for descriptor in output + errors { posix_spawn_file_actions_addclose(&actions, descriptor) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(output[1])
        close(errors[1])
        defer {
            close(output[0])
            close(errors[0])
        }
        guard spawned == 0 else { throw .cannotStart(command, reason: BoundedInput.reason(spawned)) }

        let deadline = Date().addingTimeInterval(timeout)
        var collected: [[UInt8]] = [[], []]
        var open = [true, true]
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var failure: Failure?
        while open[0] || open[1] {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                failure = .timedOut(command, seconds: timeout)
                break
            }
            var descriptors = [
                pollfd(fd: open[0] ? output[0] : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: open[1] ? errors[0] : -1, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, Int32(min(remaining, 1) * 1000))
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in 0..<2 where open[index] && descriptors[index].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(descriptors[index].fd, $0.baseAddress, $0.count) }
                if count <= 0 {
                    if count < 0, errno == EINTR { continue }
                    open[index] = false
                    continue
                }
                collected[index].append(contentsOf: chunk[0..<count])
                if collected[index].count > outputLimit { failure = .tooMuchOutput(command, limit: outputLimit) }
            }
            if failure != nil { break }
        }
        if failure != nil { kill(-pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        if let failure {
            throw failure
        }
        // The group may have left children behind that hold no pipe: stop them too.
        kill(-pid, SIGKILL)
        let exited = (status & 0x7f) == 0
        return Result(
            status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output: collected[0], error: collected[1])
    }
}
