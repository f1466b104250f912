extension Double {
    /// The value with two decimals, as `%.2f` writes it but without Foundation's formatter: "-0.72", "41.50".
    public var twoDecimals: String {
        let hundredths = Int((abs(self) * 100).rounded())
        let fraction = hundredths % 100
        return "\(self < 0 ? "-" : "")\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
