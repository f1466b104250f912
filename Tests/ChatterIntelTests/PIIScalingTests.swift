import Foundation
import Testing

@testable import ChatterIntel

extension PIITests {
    /// Every scanner is linear: inputs built to make backtracking matchers explode finish in about the time of any
    /// other text of their length.
    @Suite struct Scaling {
        static let pathological: [(String, String)] = [
            ("digits", String(repeating: "1", count: 20_000)),
            ("digit groups", String(repeating: "12 ", count: 7_000)),
            ("dotted digits", String(repeating: "1.", count: 10_000)),
            ("at signs", String(repeating: "a@", count: 10_000)),
            ("dotted hosts", String(repeating: "ab.", count: 7_000)),
            ("colons", String(repeating: "a:", count: 10_000)),
            ("hex and colons", String(repeating: "ff::", count: 5_000)),
            ("parentheses", String(repeating: "(+1(", count: 5_000)),
            ("base58", String(repeating: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN ", count: 600)),
            ("spelled dots", String(repeating: "a dot ", count: 3_000) + "b at c dot com"),
            ("month names", String(repeating: "May 1 ", count: 3_000)),
        ]

        @Test(arguments: pathological.map(\.0))
        func pathologicalInputIsLinear(name: String) {
            let text = Self.pathological.first { $0.0 == name }!.1
            let clock = ContinuousClock()
            let elapsed = clock.measure { _ = PIIDetector().analyze(text) }
            // About a millisecond per kilobyte in a debug build on a slow machine would already be generous.
            #expect(elapsed < .seconds(2), "\(name): \(elapsed)")
        }
    }
}
