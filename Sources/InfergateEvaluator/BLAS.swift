import COpenBLAS

/// The evaluator's only door to OpenBLAS: row-major single-precision matrix products.
///
/// OpenBLAS is pinned to one thread per call the first time it is used, because the evaluator splits
/// batches across cores itself (`DispatchQueue.concurrentPerform`) and nested thread pools oversubscribe.
enum BLAS {
    private static let singleThreaded: Void = openblas_set_num_threads(1)

    /// C[m×n] = alpha · op(A) · op(B) + beta · C over row-major buffers with leading dimensions.
    ///
    /// `op(X)` is X or its transpose; A is m×k after `op`, B is k×n after `op`. Pointers must cover the
    /// stated extents; they are only read (A, B) or written (C) during the call.
    static func gemm(
        transA: Bool = false,
        transB: Bool = false,
        m: Int,
        n: Int,
        k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>,
        lda: Int,
        b: UnsafePointer<Float>,
        ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>,
        ldc: Int
    ) {
        _ = singleThreaded
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor,
            transA ? CblasTrans : CblasNoTrans,
            transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }

    /// `gemm` over whole arrays: C[m×n] = alpha · op(A) · op(B) + beta · C.
    static func gemm(
        transA: Bool = false,
        transB: Bool = false,
        m: Int,
        n: Int,
        k: Int,
        alpha: Float = 1,
        a: [Float],
        b: [Float],
        beta: Float,
        c: inout [Float]
    ) {
        a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    guard let aBase = aBuffer.baseAddress, let bBase = bBuffer.baseAddress,
                        let cBase = cBuffer.baseAddress
                    else { return }
                    gemm(
                        transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                        a: aBase, lda: transA ? m : k, b: bBase, ldb: transB ? k : n,
                        beta: beta, c: cBase, ldc: n)
                }
            }
        }
    }
}
