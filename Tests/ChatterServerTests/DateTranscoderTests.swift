import Foundation
import OpenAPIRuntime
import Testing

@testable import ChatterServer

@Suite struct DateTranscoderTests {
    @Test func writesWhatTheRuntimesTranscoderWrites() throws {
        let ours = APIDateTranscoder()
        let runtimes = ISO8601DateTranscoder.iso8601
        var generator = SystemRandomNumberGenerator()
        // Near a whole second the runtime's formatter rounds to the millisecond first (…8.9996 is written as …9).
        let edges: [Double] = [1_766_835_548.9996195, 1_766_835_548.9995, 1_766_835_548.99949, -0.0004, -0.0006, -1.9996]
        let samples: [Double] = [0, -1, -0.5, 951_782_400, 1_709_164_800.999, 4_107_542_399.5, 1_763_769_600.0001] + edges
            + (0..<2000).map { _ in Double.random(in: -2_000_000_000...4_000_000_000, using: &generator) }
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            let text = try ours.encode(date)
            #expect(text == (try runtimes.encode(date)), "at \(seconds)")
            #expect(try ours.decode(text) == (try runtimes.decode(text)))
        }
    }
}
