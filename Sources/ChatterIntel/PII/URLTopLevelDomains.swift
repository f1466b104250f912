/// Top-level domains accepted for bare host names (`acme.io/reset`). Generic ones people type, and country codes,
/// minus those that are also common file extensions (`.sh`, `.py`, `.md`, `.rs`, `.pl`, `.zip`, `.mov`…), which
/// would turn file names into URLs. URLs with a scheme or `www.` do not need this list.
enum URLTopLevelDomains {
    static let known: Set<String> = [
        "com", "org", "net", "edu", "gov", "mil", "int", "info", "biz", "io", "co", "ai", "app", "dev", "me", "tv", "xyz",
        "online", "site", "store", "shop", "tech", "cloud", "page", "blog", "news", "live", "email", "help", "support",
        "eu", "us", "uk", "ca", "au", "nz", "ie", "de", "fr", "es", "it", "nl", "be", "ch", "at", "se", "no", "dk", "fi",
        "pt", "gr", "cz", "hu", "ro", "bg", "hr", "si", "sk", "lt", "lv", "ee", "lu", "is", "tr", "ru", "ua", "jp",
        "cn", "kr", "in", "sg", "hk", "tw", "br", "mx", "ar", "cl", "za", "ng", "ke", "ae", "il", "gg", "ly", "fm",
    ]
}
