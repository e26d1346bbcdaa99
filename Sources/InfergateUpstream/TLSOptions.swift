/// How the engine checks an upstream's TLS certificate.
///
/// Verification is on by default; `caBundlePath` replaces the system bundle when set
/// (a PEM file, read by OpenSSL when the first connection to a host is made).
public struct TLSOptions: Sendable, Equatable {
    public var verifyPeer: Bool = true
    public var caBundlePath: String? = nil

    /// Options with verification on and the system CA bundle unless told otherwise.
    public init(verifyPeer: Bool = true, caBundlePath: String? = nil) {
        self.verifyPeer = verifyPeer
        self.caBundlePath = caBundlePath
    }
}
