import Testing

@testable import InfergateLimits

@Suite struct CIDRTests {
    @Test func ipv4RangesAndHosts() throws {
        let network = try CIDR("10.0.0.0/8")
        #expect(network.contains("10.1.2.3"))
        #expect(network.contains("10.255.255.255"))
        #expect(!network.contains("11.0.0.1"))
        #expect(!network.contains("9.255.255.255"))

        let host = try CIDR("192.168.1.7")
        #expect(host.prefixLength == 32)
        #expect(host.contains("192.168.1.7"))
        #expect(!host.contains("192.168.1.8"))

        let everything = try CIDR("0.0.0.0/0")
        #expect(everything.contains("203.0.113.9"))
        #expect(!everything.contains("2001:db8::1"))
    }

    @Test func ipv6Ranges() throws {
        let unique = try CIDR("fd00::/8")
        #expect(unique.contains("fd12:3456::1"))
        #expect(!unique.contains("fe80::1"))
        let documentation = try CIDR("2001:db8::/32")
        #expect(documentation.contains("2001:0db8:ffff::42"))
        #expect(!documentation.contains("2001:db9::1"))
        let loopback = try CIDR("::1/128")
        #expect(loopback.contains("::1"))
        #expect(loopback.contains("[::1]"))
        #expect(loopback.contains("::1%lo"))
        #expect(!loopback.contains("127.0.0.1"))
    }

    @Test func mappedAddressesMatchIPv4Rules() throws {
        let network = try CIDR("10.0.0.0/8")
        #expect(network.contains("::ffff:10.0.0.1"))
        #expect(!network.contains("::ffff:11.0.0.1"))
        let mappedRule = try CIDR("::ffff:10.0.0.0/104")
        #expect(!mappedRule.isIPv4)
        #expect(mappedRule.contains("10.20.30.40"))
        #expect(!mappedRule.contains("11.0.0.1"))
    }

    @Test(arguments: [
        ("", "invalid_address"),
        ("10.0.0/8", "invalid_address"),
        ("256.0.0.0/8", "invalid_address"),
        ("example.com/8", "invalid_address"),
        ("fe80::1%eth0/128", "invalid_address"),
        ("10.0.0.0/8/8", "invalid_address"),
        ("10.0.0.0/33", "invalid_prefix"),
        ("10.0.0.0/", "invalid_prefix"),
        ("10.0.0.0/-1", "invalid_prefix"),
        ("10.0.0.0/ 8", "invalid_prefix"),
        ("::/129", "invalid_prefix"),
        ("10.0.0.1/8", "host_bits_set"),
        ("2001:db8::1/32", "host_bits_set"),
    ])
    func invalidInputsAreRefused(text: String, code: String) {
        #expect(throws: AccessError.self) { try CIDR(text) }
        do {
            _ = try CIDR(text)
        } catch {
            #expect(error.code == code)
            #expect(error.operation == "parse_cidr")
        }
    }

    @Test func garbageAddressesAreNeverInside() throws {
        let everything = try CIDR("::/0")
        #expect(everything.contains("2001:db8::1"))
        #expect(!everything.contains(""))
        #expect(!everything.contains("not-an-address"))
        #expect(!everything.contains("10.0.0.1:8080"))
    }

    @Test func descriptionShowsTheNetwork() throws {
        #expect(try CIDR("10.1.0.0/16").description == "10.1.0.0/16")
        #expect(try CIDR("fd00::/8").description == "fd00:0:0:0:0:0:0:0/8")
        #expect(try CIDR("10.1.0.0/16") == CIDR("10.1.0.0/16"))
        #expect(try CIDR("10.1.0.0/16") != CIDR("10.1.0.0/24"))
    }
}
