import Foundation
import LambdaOtelLite
import OtlpStdoutDecoding
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

    func runChild(mode: String, work: (LocalInvoker) async throws -> Void) async throws -> (status: Int32, spans: [DecodedSpan]) {
        let server = try await LocalLambdaServer.start(port: 0, functionName: "hello-lambda")
        defer { Task { await server.shutdown() } }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.helloLambdaPath)
        process.environment = [
            "AWS_LAMBDA_RUNTIME_API": server.runtimeAPI,
            "LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE": mode,
            "AWS_LAMBDA_FUNCTION_NAME": "hello-lambda",
            "PATH": "/usr/bin:/bin",
        ]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Init is done once the function's extension registered and waits for events.
        #expect(await eventually(10) { server.registeredExtensionCount == 1 })
        try await work(LocalInvoker(server: server))
        kill(process.processIdentifier, SIGTERM)
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var spans: [DecodedSpan] = []
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") where line.contains("__otel_otlp_stdout") {
            spans += try OtlpStdoutLine(decoding: String(line)).request.allSpans.map(\.span)
        }
        return (process.terminationStatus, spans)
    }

    @Test func finalizeModeFlushesQueuedSpansOnSIGTERM() async throws {
        let (status, spans) = try await runChild(mode: "finalize") { invoker in
            for _ in 0..<3 {
                let (code, _) = try await invoker.invoke(Array(#"{"rawPath":"/orders/7"}"#.utf8))
                #expect(code == 200)
            }
        }
        #expect(status == 0)
        // Each invocation makes 4 spans; finalize mode with the default processor exports them only at shutdown.
        #expect(spans.count == 12)
        #expect(spans.filter { $0.name == "hello-lambda" }.count == 3)
        #expect(Set(spans.map(\.spanID)).count == 12)
    }

    @Test func asyncModeFlushesSpansOfAnUnfinishedInvocationOnSIGTERM() async throws {
        let (status, spans) = try await runChild(mode: "async") { invoker in
            let (code, _) = try await invoker.invoke(Array(#"{"rawPath":"/orders/1"}"#.utf8))
            #expect(code == 200)
            // This one never finishes: its first span has ended and waits in the buffer when SIGTERM comes.
            let slow = Task { try? await invoker.invoke(Array(#"{"rawPath":"/slow"}"#.utf8)) }
            try await Task.sleep(nanoseconds: 500_000_000)
            slow.cancel()
        }
        #expect(status == 0)
        #expect(spans.filter { $0.name == "hello-lambda" }.count == 1)
        #expect(spans.contains { $0.name == "before the wait" })
    }

    @Test func aBrokenStdoutPipeDoesNotKillTheFunction() async throws {
        let server = try await LocalLambdaServer.start(port: 0, functionName: "hello-lambda")
        defer { Task { await server.shutdown() } }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.helloLambdaPath)
        process.environment = ["AWS_LAMBDA_RUNTIME_API": server.runtimeAPI, "PATH": "/usr/bin:/bin"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Nobody will ever read the function's stdout: every telemetry line hits a broken pipe (EPIPE/SIGPIPE).
        try stdout.fileHandleForReading.close()
        let invoker = LocalInvoker(server: server)
        for i in 0..<3 {
            let (status, body) = try await invoker.invoke(Array(#"{"rawPath":"/orders/\#(i)"}"#.utf8))
            #expect(status == 200)
            #expect(body.contains("orderId"))
        }
        #expect(process.isRunning)
        process.terminate()
        process.waitUntilExit()
    }
}
