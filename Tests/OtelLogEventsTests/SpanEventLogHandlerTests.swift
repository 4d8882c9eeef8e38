import InMemoryLogging
import Logging
import OtelHost
import OtelHostTesting
import OtelLogEvents
import Testing
import Tracing

struct SpanEventLogHandlerTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk on fire" }
    }

    @Test func recordsAtOrAboveTheLevelBecomeEventsOfTheCurrentSpanAndAllArePassedOn() async throws {
        let memory = InMemoryLogHandler()
        var inner = memory
        inner.logLevel = .debug
        var logger = Logger(label: "orders") { label in
            SpanEventLogHandler(label: label, eventLevel: .info, wrapping: inner)
        }
        logger[metadataKey: "tenant"] = "acme"
        let record = try await invokeOnce("{}", plugins: []) { _ in
            withSpan("load order") { _ in
                logger.debug("cache miss")
                logger.info("loaded order", metadata: ["order": "42", "items": ["a", "b"], "nested": ["k": "v"]])
                logger.error("write failed", error: Failure())
            }
        }
        let span = try #require(record.span(named: "load order"))
        #expect(span.events.map(\.name) == ["log.record", "log.record"])
        let info = span.events[0].attributes
        #expect(info["event.body"] == .string("loaded order"))
        #expect(info["event.severity_text"] == .string("INFO"))
        #expect(info["event.severity_number"] == .int(9))
        #expect(info["log.logger"] == .string("orders"))
        #expect(info["tenant"] == .string("acme"))
        #expect(info["order"] == .string("42"))
        #expect(info["items"] == .array([.string("a"), .string("b")]))
        #expect(info["nested.k"] == .string("v"))
        #expect(info["code.function.name"] != nil)
        if case .int(let line)? = info["code.line.number"] { #expect(line > 0) } else { Issue.record("no line number") }
        let error = span.events[1].attributes
        #expect(error["event.severity_text"] == .string("ERROR"))
        #expect(error["exception.message"] == .string("disk on fire"))
        // Every record reached the wrapped handler, the debug one too.
        #expect(memory.entries.map(\.message.description) == ["cache miss", "loaded order", "write failed"])
    }

    @Test func withoutASpanRecordsAreOnlyPassedOn() async throws {
        let memory = InMemoryLogHandler()
        let logger = Logger(label: "quiet") { label in SpanEventLogHandler(label: label, wrapping: memory) }
        logger.warning("no span here")
        #expect(memory.entries.count == 1)
    }

    @Test func theSpanEventLimitHoldsAndTheRestIsCounted() async throws {
        let logger = Logger(label: "chatty") { label in SpanEventLogHandler(label: label) }
        let record = try await invokeOnce("{}", plugins: [], environment: ["OTEL_SPAN_EVENT_COUNT_LIMIT": "10"]) { _ in
            withSpan("loop") { span in
                for i in 0..<1_000 { logger.info("step \(i)") }
                // The span holds no more than its limit while it is open.
                #expect((span as? OtelSpan)?.heldEventCount == 10)
            }
        }
        let span = try #require(record.span(named: "loop"))
        #expect(span.events.count == 10)
        #expect(span.droppedEventsCount == 990)
        #expect(span.events.last?.attributes["event.body"] == .string("step 9"))
    }

    @Test func theLevelSetOnTheLoggerReadsBackAndNarrowsEventsAndWhatIsPassedOn() async throws {
        let memory = InMemoryLogHandler()
        var logger = Logger(label: "narrow") { label in SpanEventLogHandler(label: label, wrapping: memory) }
        #expect(logger.logLevel == .info)
        logger.logLevel = .error
        #expect(logger.logLevel == .error)
        let record = try await invokeOnce("{}", plugins: []) { _ in
            withSpan("narrow") { _ in
                logger.info("not now")
                logger.error("this one")
            }
        }
        let events = try #require(record.span(named: "narrow")?.events)
        #expect(events.map { $0.attributes["event.body"] } == [.string("this one")])
        #expect(memory.entries.map(\.message.description) == ["this one"])
    }

    @Test func levelsMapOntoOpenTelemetrySeverities() async throws {
        let logger = Logger(label: "levels") { label in SpanEventLogHandler(label: label, eventLevel: .trace) }
        let record = try await invokeOnce("{}", plugins: []) { _ in
            withSpan("levels") { _ in
                for level in Logger.Level.allCases { logger.log(level: level, "\(level)") }
            }
        }
        let events = try #require(record.span(named: "levels")?.events)
        #expect(events.map { $0.attributes["event.severity_text"] } == [
            "TRACE", "DEBUG", "INFO", "INFO", "WARN", "ERROR", "ERROR",
        ].map { .string($0) })
    }
}
