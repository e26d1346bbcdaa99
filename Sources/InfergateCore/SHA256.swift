import COpenSSL

/// SHA-256 through OpenSSL's low-level context API.
///
/// Used for audit body hashes and the audit hash chain, token fingerprints and caller keys.
/// The context is a plain value on the stack: no allocation and no provider lookup per
/// hash, which matters at one audit row per request. An instance is an incremental hasher
/// confined to one thread at a time.
public struct SHA256: ~Copyable {
    private var context = SHA256_CTX()

    public init() {
        SHA256_Init(&context)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            return
        }
        SHA256_Update(&context, base, bytes.count)
    }

    public mutating func update<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if handled == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    public mutating func update(_ string: String) {
        var copy = string
        copy.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The 32-byte digest; the hasher must not be used afterwards.
    public consuming func finish() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        SHA256_Final(&digest, &context)
        return digest
    }

    /// The digest of `bytes` in one call.
    public static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finish()
    }

    /// The lowercase hex digest of `bytes`.
    public static func hexDigest<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        hash(bytes).hexString
    }

    /// A short identifier for a secret: the first 8 bytes of its SHA-256 as hex, prefixed
    /// `sha256:`. It names a token in logs and audit rows without revealing it.
    public static func fingerprint(_ secret: String) -> String {
        "sha256:" + hash(secret.utf8).prefix(8).hexString
    }
}

extension Sequence<UInt8> {
    /// Lowercase hexadecimal, two digits per byte.
    public var hexString: String {
        let bytes = Array(self)
        // Digits go straight into the string's storage (`Array(self)` is free for an array).
        return String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = Self.hexDigit(byte >> 4)
                buffer[2 * index + 1] = Self.hexDigit(byte & 0x0F)
            }
            return bytes.count * 2
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x57 + nibble
    }
}
