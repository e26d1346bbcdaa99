import Testing

@testable import InfergateCore

@Suite struct SHA256Tests {
    @Test func knownDigests() {
        #expect(SHA256.hexDigest(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func fingerprintIsShortAndStable() {
        let print = SHA256.fingerprint("secret-token")
        #expect(print.hasPrefix("sha256:"))
        #expect(print.count == "sha256:".count + 16)
        #expect(!print.contains("secret"))
        #expect(print == SHA256.fingerprint("secret-token"))
    }
}

@Suite struct HTTPHeadersTests {
    @Test func lookupIgnoresCaseAndKeepsOrder() {
        var headers: HTTPHeaders = ["Content-Type": "application/json", "X-A": "1"]
        headers.add(name: "x-a", value: "2")
        #expect(headers["content-type"] == "application/json")
        #expect(headers.values(for: "X-A") == ["1", "2"])
        headers.replaceOrAdd(name: "X-a", value: "3")
        #expect(headers.values(for: "x-a") == ["3"])
        #expect(!"X-B".equalsIgnoringASCIICase("X-["))
    }
}

@Suite struct GatewayErrorBodyTests {
    @Test func serializesInWallarooShape() {
        let body = GatewayErrorBody(code: 502, message: "upstream \"x\" refused")
        #expect(body.json == #"{"code":502,"status":"error","error":"upstream \"x\" refused","source":"gateway"}"#)
    }
}
