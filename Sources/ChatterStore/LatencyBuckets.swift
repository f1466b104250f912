/// The histogram the hourly rollups keep for latency and time to first token: upper bounds in milliseconds,
/// doubling from 50 ms, and a last bucket for everything slower. Percentiles read from it are estimates
/// within one bucket's width (linear inside the bucket); counts and sums are exact.
enum LatencyBuckets {
    static let upperBounds: [Int64] = [50, 100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 102_400]
    static var count: Int { upperBounds.count + 1 }
    static let latencyColumns = (0..<count).map { "latency_b\($0)" }
    static let ttftColumns = (0..<count).map { "ttft_b\($0)" }

    static func index(of milliseconds: Int64) -> Int {
        upperBounds.firstIndex { milliseconds <= $0 } ?? upperBounds.count
    }

    /// The `quantile` (0…1) of a histogram, interpolated inside its bucket; nil when it is empty.
    static func quantile(_ quantile: Double, of counts: [Int64]) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = quantile * Double(total)
        var below: Int64 = 0
        for (index, count) in counts.enumerated() where count > 0 {
            if Double(below + count) >= rank {
                let lower = index == 0 ? 0 : Double(upperBounds[index - 1])
                // The open last bucket is reported at its lower bound: slower than that is all it knows.
                guard index < upperBounds.count else { return lower }
                let upper = Double(upperBounds[index])
                let fraction = max(0, min(1, (rank - Double(below)) / Double(count)))
                return lower + (upper - lower) * fraction
            }
            below += count
        }
        return Double(upperBounds.last!)
    }
}
