@testable import ChatterServer
import Hummingbird
import Testing

/// ServiceLifecycle names every service of the application with `"\(service)"` when the application starts. A
/// service without a `description` of its own is described by reflecting everything it holds, the whole runtime for
/// most of ours: about half a second of CPU on Swift's shared pool at every start, which stalled whatever else ran
/// there (in the test suite, every other test's server) for seconds.
@Suite struct ServiceNameTests {
    @Test func everyServiceOfTheApplicationNamesItselfInAFewCharacters() async throws {
        try await Harness.with(.sqlite, environment: ["CHATTER_INTEL_PIPELINE": "on"]) { harness in
            let application = try buildApplication(runtime: harness.runtime)
            let names = application.services.map { String(describing: $0) }
            #expect(names.count >= 3)
            for name in names {
                #expect(name.count <= 40, "a service described by reflection: \(name.prefix(120))…")
            }
        }
    }
}
