import Foundation
import LambdaOtelLite
import OtlpStdoutDecoding
import OtelHostTesting
import Testing

/// Runs the real `hello-lambda` binary as a child process against a local server, and sends it SIGTERM.
struct ShutdownTests {
    static var helloLambdaPath: String {
        // The test bundle sits next to the package's executables in the build folder.
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidate = bundle
        while candidate.path != "/" {
            let path = candidate.appendingPathComponent("hello-lambda").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
            candidate = candidate.deletingLastPathComponent()
        }
        return bundle.appendingPathComponent("hello-lambda").path
    }

    func runChild(
        mode: String, environment extra: [String: String] = [:], maxConcurrency: Int = 1,
        work: (LocalLambdaServer) async throws -> Void
    ) async throws -> (status: Int32, spans: [DecodedSpan], metrics: EMFSummary) {
        let server = try await LocalLambdaServer.start(
            port: 0, functionName: "hello-lambda", maxConcurrency: maxConcurrency)
        defer { Task { await server.shutdown() } }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.helloLambdaPath)
        process.environment = [
            "AWS_LAMBDA_RUNTIME_API": server.runtimeAPI,
            "LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE": mode,
            "AWS_LAMBDA_FUNCTION_NAME": "hello-lambda",
            "PATH": "/usr/bin:/bin",
        ].merging(extra) { _, new in new }
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Init is done once the function's extension registered and waits for events (sync mode has none).
        if mode != "sync" {
            #expect(await eventually(10) { server.registeredExtensionCount == 1 })
        }
        try await work(server)
        kill(process.processIdentifier, SIGTERM)
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var spans: [DecodedSpan] = []
        var metrics = EMFSummary()
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            if line.contains("__otel_otlp_stdout") {
                spans += try OtlpStdoutLine(decoding: String(line)).request.allSpans.map(\.span)
            } else {
                metrics.add(line: String(line))
            }
        }
        return (process.terminationStatus, spans, metrics)
    }

    @Test func finalizeModeFlushesQueuedSpansOnSIGTERM() async throws {
        let (status, spans, _) = try await runChild(mode: "finalize") { server in
            let invoker = LocalInvoker(server: server)
            for _ in 0..<3 {
                let (code, _) = try await invoker.invoke(Array(#"{"rawPath":"/orders/7"}"#.utf8))
                #expect(code == 200)
            }
        }
        #expect(status == 0)
        // Each invocation makes 4 spans, the cold start one more (the init span); finalize mode with the default
        // processor exports them only at shutdown.
        #expect(spans.count == 13)
        #expect(spans.filter { $0.name == "hello-lambda" }.count == 3)
        #expect(Set(spans.map(\.spanID)).count == 13)
        let initSpans = spans.filter { $0.name == "lambda-init" }
        #expect(initSpans.count == 1)
        let coldStart = try #require(spans.first { $0.name == "hello-lambda" && $0.attributes["faas.coldstart"] == .bool(true) })
        #expect(initSpans.first?.parentSpanID == coldStart.spanID)
        #expect(initSpans.first?.traceID == coldStart.traceID)
    }

    @Test func asyncModeFlushesSpansOfAnUnfinishedInvocationOnSIGTERM() async throws {
        let (status, spans, _) = try await runChild(mode: "async") { server in
            let invoker = LocalInvoker(server: server)
            let (code, _) = try await invoker.invoke(Array(#"{"rawPath":"/orders/1"}"#.utf8))
            #expect(code == 200)
            // This one never finishes: its first span has ended and waits in the buffer when SIGTERM comes.
            let slow = Task { try? await invoker.invoke(Array(#"{"rawPath":"/slow"}"#.utf8)) }
            // Once the function has the invocation, its first span ends at once; leave time for a slow machine.
            #expect(await eventually(10) { server.dispatchedInvocationCount == 2 })
            try await Task.sleep(for: .seconds(1))
            slow.cancel()
        }
        #expect(status == 0)
        #expect(spans.filter { $0.name == "hello-lambda" }.count == 1)
        #expect(spans.contains { $0.name == "before the wait" })
    }

    @Test func onManagedInstancesSIGTERMExportsWhatTheBackgroundExporterHasNotSentYet() async throws {
        let invocations = 8
        let (status, spans, metrics) = try await runChild(
            mode: "async",
            environment: [
                "AWS_LAMBDA_INITIALIZATION_TYPE": "lambda-managed-instances", "AWS_LAMBDA_MAX_CONCURRENCY": "4",
                // A long interval, so that spans still wait in the queue when SIGTERM comes.
                "LAMBDA_SPAN_PROCESSOR_EXPORT_INTERVAL_MS": "1000",
            ],
            maxConcurrency: 4
        ) { server in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<invocations {
                    group.addTask {
                        try await LocalInvoker(server: server).invoke(Array(#"{"rawPath":"/orders/\#(i)"}"#.utf8)).status
                    }
                }
                for try await code in group { #expect(code == 200) }
            }
            #expect(server.peakConcurrentInvocations > 1)
        }
        #expect(status == 0)
        // Every invocation's 4 spans, and no init span on Managed Instances.
        #expect(spans.count == invocations * 4)
        #expect(spans.filter { $0.name == "hello-lambda" }.count == invocations)
        #expect(Set(spans.map(\.spanID)).count == invocations * 4)
        // The background exporter writes the metrics too; what it had not written goes at SIGTERM.
        #expect(Self.sum(metrics, "hello.requests", "outcome=ok") == Double(invocations))
    }

    /// The sum of a metric's values over every EMF line, for the dimension `dimension`.
    static func sum(_ metrics: EMFSummary, _ name: String, _ dimension: String) -> Double {
        metrics.metrics.filter { $0.name == name && $0.dimensions.contains(dimension) }.flatMap(\.values).reduce(0, +)
    }

    @Test(arguments: ["sync", "async", "finalize"])
    func metricsAndLogRecordsReachStdoutInEveryModeUpToSIGTERM(mode: String) async throws {
        let (status, spans, metrics) = try await runChild(mode: mode) { server in
            let invoker = LocalInvoker(server: server)
            for path in ["/orders/1", "/orders/2", "/orders/error", "/orders/3"] {
                _ = try await invoker.invoke(Array(#"{"rawPath":"\#(path)"}"#.utf8))
            }
        }
        #expect(status == 0)
        #expect(Self.sum(metrics, "hello.requests", "outcome=ok") == 3)
        #expect(Self.sum(metrics, "hello.requests", "outcome=error") == 1)
        let loads = metrics.metrics.filter { $0.name == "hello.load_order" }
        #expect(loads.flatMap(\.values).count == 3)
        #expect(loads.allSatisfy { $0.unit == "Milliseconds" && $0.dimensions == ["service=hello-lambda"] })
        #expect(loads.flatMap(\.values).allSatisfy { $0 > 0 && $0 < 10_000 })
        // Each log record is an event of the invocation span it was logged in.
        let invocations = spans.filter { $0.name == "hello-lambda" }
        #expect(invocations.count == 4)
        let bodies = invocations.flatMap { $0.events.filter { $0.name == "log.record" } }.map { $0.attributes["event.body"] }
        #expect(bodies.filter { $0 == .string("loaded order") }.count == 3)
        #expect(bodies.filter { $0 == .string("answering 500 for 13-character path") }.count == 1)
    }

    @Test func aBrokenStdoutPipeDoesNotKillTheFunction() async throws {
        let server = try await LocalLambdaServer.start(port: 0, functionName: "hello-lambda")
        defer { Task { await server.shutdown() } }
        // Spawn the function with SIGPIPE at its default action (killing), as Lambda starts it; a test process may
        // ignore SIGPIPE, and an ignored signal would be inherited.
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        let path = Self.helloLambdaPath
        let environment = ["AWS_LAMBDA_RUNTIME_API=\(server.runtimeAPI)", "PATH=/usr/bin:/bin"]
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
        #expect(spawned == 0)
        // Nobody will ever read the function's stdout: every telemetry line hits a broken pipe.
        close(fds[1])
        close(fds[0])
        let invoker = LocalInvoker(server: server)
        for i in 0..<3 {
            let (status, body) = try await invoker.invoke(Array(#"{"rawPath":"/orders/\#(i)"}"#.utf8), timeoutMs: 10_000)
            #expect(status == 200)
            #expect(body.contains("orderId"))
        }
        var status: Int32 = 0
        #expect(waitpid(pid, &status, WNOHANG) == 0, "the function died (status \(status))")
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    @Test(arguments: [("JSON", true), ("Text", false)])
    func fmtLayerPrintsEachSpanToStandardError(format: String, json: Bool) async throws {
        let server = try await LocalLambdaServer.start(port: 0, functionName: "hello-lambda")
        defer { Task { await server.shutdown() } }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.helloLambdaPath)
        process.environment = [
            "AWS_LAMBDA_RUNTIME_API": server.runtimeAPI, "PATH": "/usr/bin:/bin",
            "LAMBDA_TRACING_ENABLE_FMT_LAYER": "TRUE", "AWS_LAMBDA_LOG_FORMAT": format,
        ]
        let stderr = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        let (status, _) = try await LocalInvoker(server: server).invoke(Array(#"{"rawPath":"/orders/5"}"#.utf8), timeoutMs: 10_000)
        #expect(status == 200)
        process.terminate()
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let spanLines = text.split(separator: "\n").filter { $0.contains("render response") }
        #expect(spanLines.count == 1)
        if json {
            let object = try JSONValue(parsing: String(spanLines.first ?? ""))
            #expect(object["type"]?.stringValue == "span")
            #expect(object["name"]?.stringValue == "render response")
            #expect(object["trace_id"]?.stringValue?.count == 32)
        } else {
            #expect(spanLines.first?.hasPrefix("[span] render response kind=internal") == true)
        }
    }
}
