import Foundation
import Glibc
import Synchronization

/// Reads one `SecretSource`, caching a file's content until its mtime or size changes.
///
/// The cache lives in a `Mutex`; reads happen on the fetch task, never on a request path.
/// `markStale()` forces the next read to go to disk even if `stat` shows no change (an
/// edit within the same second and of the same length is otherwise invisible).
final class SecretReader: Sendable {
    /// What `stat` said about the file when it was last read.
    private struct Cached {
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
        var size: Int
        var value: String
    }

    private struct State {
        var cached: Cached?
        var isStale = false
    }

    private let source: SecretSource
    private let state = Mutex(State())

    /// A reader that touches the disk only on the first `read()` and after changes.
    init(source: SecretSource) {
        self.source = source
    }

    /// The current secret; throws `TokenError.secretUnreadable` if the file cannot be read.
    func read() throws(TokenError) -> String {
        switch source {
        case .literal(let value):
            return value
        case .file(let path):
            return try readFile(path: path)
        }
    }

    /// Forget the cached content so the next `read()` reloads the file.
    func markStale() {
        state.withLock { $0.isStale = true }
    }

    private func readFile(path: String) throws(TokenError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .secretUnreadable
        }
        let modifiedSeconds = Int(info.st_mtim.tv_sec)
        let modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
        let size = Int(info.st_size)
        let hit: String? = state.withLock { state in
            guard !state.isStale, let cached = state.cached, cached.size == size,
                cached.modifiedSeconds == modifiedSeconds, cached.modifiedNanoseconds == modifiedNanoseconds
            else {
                return nil
            }
            return cached.value
        }
        if let hit {
            return hit
        }

        guard let data = FileManager.default.contents(atPath: path) else {
            throw .secretUnreadable
        }
        var value = String(decoding: data, as: UTF8.self)
        // Editors and `echo` add a final newline that is not part of the secret.
        while let last = value.unicodeScalars.last, last == "\n" || last == "\r" {
            value.unicodeScalars.removeLast()
        }
        let cached = Cached(
            modifiedSeconds: modifiedSeconds,
            modifiedNanoseconds: modifiedNanoseconds,
            size: size,
            value: value
        )
        state.withLock { $0 = State(cached: cached, isStale: false) }
        return value
    }
}
