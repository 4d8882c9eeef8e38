import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `hello-lambda` with its standard output closed, as `hello-lambda >&-` does.
struct ClosedStdoutProcessTests {
    /// The example function, next to the test bundle in the build folder.
    static var helloLambdaPath: String {
        let bundle = CommandLine.arguments[0]
        let folder = bundle.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return folder + "/hello-lambda"
    }

    @Test func stdoutClosedAtStartIsDetectedOnceWhenTheExporterIsMade() throws {
        let path = Self.helloLambdaPath
        try #require(access(path, X_OK) == 0, "build the package first: \(path)")
        var err: [Int32] = [0, 0]
        #expect(pipe(&err) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addclose(&actions, 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        posix_spawn_file_actions_addclose(&actions, err[0])
        posix_spawn_file_actions_addclose(&actions, err[1])
        // An ephemeral port for the local server, so the child never competes for 7000.
        let environment = ["LOCAL_LAMBDA_PORT=0", "AWS_LAMBDA_FUNCTION_NAME=hello-lambda", "LOG_LEVEL=info"]
        var cEnvironment: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        var cArguments: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
        defer { for p in cEnvironment + cArguments { free(p) } }
        var pid: pid_t = 0
        #expect(posix_spawn(&pid, path, &actions, nil, &cArguments, &cEnvironment) == 0)
        close(err[1])
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            close(err[0])
        }

        // Read the diagnostics until the local server says it is up (a generous bound in case it never does).
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        var waitedMs = 0
        while !text.contains("local Lambda server") && waitedMs < 60_000 {
            var pfd = pollfd(fd: err[0], events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else {
                waitedMs += 100
                continue
            }
            let n = buffer.withUnsafeMutableBytes { read(err[0], $0.baseAddress, $0.count) }
            if n <= 0 { break }
            text += String(decoding: buffer[0..<n], as: UTF8.self)
        }
        let warnings = text.split(separator: "\n").filter { $0.contains("telemetry lines are not written") }
        #expect(warnings.count == 1, "\(text)")
        #expect(warnings.first?.contains("stdout") == true)
    }
}
