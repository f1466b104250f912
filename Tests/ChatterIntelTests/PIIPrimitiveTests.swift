import Testing

@testable import ChatterIntel

extension PIITests {
    /// The hashes and checksums the recognizers rely on, against published vectors.
    @Suite struct Primitives {
        private func hex(_ bytes: [UInt8]) -> String {
            bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }

        @Test func sha256MatchesFIPS180Examples() {
            #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
            #expect(hex(SHA256.hash(twoBlocks)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        }

        @Test func keccak256MatchesEthereumDigests() {
            #expect(hex(Keccak256.hash([])) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
            #expect(hex(Keccak256.hash(Array("abc".utf8))) == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
            #expect(hex(Keccak256.hash(Array("hello".utf8))) == "1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8")
            // Longer than one 136-byte block.
            let long = Keccak256.hash([UInt8](repeating: 0x61, count: 200))
            #expect(long.count == 32 && long != Keccak256.hash([UInt8](repeating: 0x61, count: 199)))
        }

        @Test func sipHashMatchesThePaperVector() {
            // SipHash-2-4 paper, appendix A: key 00…0f, message 00…0e.
            let digest = SipHash24.hash(Array(0..<15), k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
            #expect(digest == 0xa129_ca61_49be_45e5)
        }

        @Test func luhn() {
            let valid = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "79927398713"]
            for number in valid { #expect(PIIChecksums.luhnIsValid(digits(number)), "\(number)") }
            for number in ["4111111111111112", "5555555555554445", "79927398710"] { #expect(!PIIChecksums.luhnIsValid(digits(number))) }
        }

        @Test func ibanMod97() {
            for iban in ["DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606", "NO9386011117947"] {
                #expect(PIIChecksums.ibanIsValid(Array(iban.utf8)), "\(iban)")
            }
            #expect(!PIIChecksums.ibanIsValid(Array("DE88370400440532013000".utf8)))
            #expect(!PIIChecksums.ibanIsValid(Array("GB82WEST12345698765433".utf8)))
        }

        @Test func nhsMod11() {
            #expect(PIIChecksums.nhsNumberIsValid(digits("9434765919")))
            #expect(!PIIChecksums.nhsNumberIsValid(digits("9434765918")))
        }

        @Test func base58CheckVerifiesTheDoubleSHA256Checksum() {
            for address in ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"] {
                #expect(Base58Check.decode(Array(address.utf8))?.count == 21, "\(address)")
            }
            #expect(Base58Check.decode(Array("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb".utf8)) == nil)
            #expect(Base58Check.decode(Array("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz".utf8)) == nil)
        }

        @Test func bech32AndBech32m() {
            let hrp = Array("bc".utf8)
            #expect(Bech32.isValidSegwitAddress(Array("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4".utf8), hrp: hrp))
            #expect(Bech32.isValidSegwitAddress(Array("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3".utf8), hrp: hrp))
            #expect(Bech32.isValidSegwitAddress(Array("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0".utf8), hrp: hrp))
            #expect(!Bech32.isValidSegwitAddress(Array("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5".utf8), hrp: hrp))
            // A v1 program with the v0 (Bech32) constant is invalid under BIP-350.
            #expect(!Bech32.isValidSegwitAddress(Array("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4".utf8), hrp: hrp))
        }

        private func digits(_ string: String) -> [UInt8] {
            string.utf8.map { $0 - 0x30 }
        }
    }
}
