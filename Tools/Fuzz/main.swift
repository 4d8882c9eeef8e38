// otel-lite-fuzz: a seeded property test of the event path with hostile events.
//
// Usage: otel-lite-fuzz [cases] [seed]    (defaults: 100000 cases, seed 1)
// Every case must give exactly one invocation span and leave the handler's response unchanged; the process
// must neither crash nor hang. A failing case prints its seed position and event, and the exit code is 1.

import EventFuzzing

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
let cases = arguments.count > 1 ? Int(arguments[1]) ?? 100_000 : 100_000
let seed = arguments.count > 2 ? UInt64(arguments[2]) ?? 1 : 1

var fuzzer = EventFuzzer(seed: seed)
let checker = await EventPathChecker()
var failures = 0
let start = ContinuousClock.now
for index in 0..<cases {
    let event = index % 20_000 == 19_999 ? fuzzer.largeEvent(megabytes: 6) : fuzzer.event()
    if let problem = await checker.check(event, index: index) {
        failures += 1
        print("case \(index) (seed \(seed)) FAILED: \(problem)")
        print("  event (\(event.count) bytes): \(String(decoding: event.prefix(300), as: UTF8.self))")
        if failures >= 20 { break }
    }
    if index % 10_000 == 9_999 { print("\(index + 1) cases…") }
}
print("\(failures == 0 ? "passed" : "FAILED"): \(cases) cases, seed \(seed), \(failures) failures, \(ContinuousClock.now - start)")
exit(failures == 0 ? 0 : 1)
