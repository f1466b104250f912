/// The kinds of personal data the offline PII engine recognizes.
public enum PIIType: String, Sendable, Codable, CaseIterable {
    case email
    case phone
    case paymentCard = "payment_card"
    case iban
    case ssn
    case ipAddress = "ip_address"
    case url
    case cryptoWallet = "crypto_wallet"
    case dateOfBirth = "date_of_birth"

    /// What replaces a value of this type in redacted text.
    public var redactionToken: String {
        switch self {
        case .email: "[EMAIL]"
        case .phone: "[PHONE]"
        case .paymentCard: "[CARD]"
        case .iban: "[IBAN]"
        case .ssn: "[SSN]"
        case .ipAddress: "[IP]"
        case .url: "[URL]"
        case .cryptoWallet: "[CRYPTO]"
        case .dateOfBirth: "[DOB]"
        }
    }
}
