/// The VADER lexicon (MIT, see Resources/NOTICE-vader.txt): about 7,500 words, emoticons, slang and initialisms,
/// each with the mean valence ten human raters gave it on a -4 ... +4 scale.
enum VaderLexicon {
    /// Lowercased entry → mean valence, parsed once on first use (a few milliseconds).
    static let valences: [String: Double] = parse(entries)

    /// Parses `entry valence` lines; the valence follows the last space, so entries may contain spaces ("fed up").
    /// Lookups are lowercased, so where the lexicon lists an emoticon in two cases (":D" and ":d") the lowercase
    /// entry wins.
    static func parse(_ text: String) -> [String: Double] {
        var valences = [String: Double](minimumCapacity: 7_600)
        for line in text.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let valence = Double(line[line.index(after: space)...]) else {
                continue
            }
            let entry = String(line[..<space])
            let key = entry.lowercased()
            if key == entry || valences[key] == nil {
                valences[key] = valence
            }
        }
        return valences
    }
}
