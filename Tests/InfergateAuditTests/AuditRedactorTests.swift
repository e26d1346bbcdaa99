import InfergateCore
import Testing

@testable import InfergateAudit

@Suite struct AuditRedactorTests {
    @Test func credentialHeadersAreMaskedWhateverTheirCase() {
        let redactor = AuditRedactor(extraHeaders: ["X-Api-Key"])
        let headers: HTTPHeaders = [
            "authorization": "Bearer secret-1",
            "Proxy-Authorization": "Basic secret-2",
            "COOKIE": "session=secret-3",
            "Set-Cookie": "id=secret-4",
            "x-api-key": "secret-5",
            "Accept": "application/json",
        ]
        let json = redactor.headersJSON(headers)
        #expect(!json.contains("secret"))
        #expect(json.hasPrefix(#"[["authorization","***"],["Proxy-Authorization","***"]"#))
        #expect(json.hasSuffix(#"["x-api-key","***"],["Accept","application/json"]]"#))
    }

    @Test func sensitiveQueryParametersAreMasked() {
        let redactor = AuditRedactor(extraHeaders: [])
        let cases = [
            ("/infer?access_token=abc&x=1", "/infer?access_token=***&x=1"),
            ("/cb?code=abc&state=s1", "/cb?code=***&state=s1"),
            ("/p?TOKEN=abc", "/p?TOKEN=***"),
            ("/p?client_secret=abc&password=def", "/p?client_secret=***&password=***"),
            ("/p?Access%5FToken=abc", "/p?Access%5FToken=***"),
            ("/p?refresh_token=abc#frag", "/p?refresh_token=***#frag"),
            ("/p?debug=1&flag", "/p?debug=1&flag"),
            ("/p", "/p"),
            ("https://h.example/a?x=1&token=abc", "https://h.example/a?x=1&token=***"),
        ]
        for (raw, stored) in cases {
            #expect(redactor.redactQuery(raw) == stored, "redacting \(raw)")
        }
    }

    @Test func storedRowRedactsPathAndUpstreamURL() {
        var record = AuditFixtures.record(1)
        record.path = "/v1/infer?token=abc"
        record.upstreamURL = "https://w.example/infer?access_token=def"
        let row = AuditStoredRow(record: record, redactor: AuditRedactor(extraHeaders: []), maxBodyBytes: 64)
        #expect(row.path == "/v1/infer?token=***")
        #expect(row.upstreamURL == "https://w.example/infer?access_token=***")
        #expect(!row.requestHeadersJSON.contains("Bearer abc"))
    }
}
