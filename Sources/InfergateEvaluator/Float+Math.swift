import Glibc

/// The libm functions the kernels need, as properties so expressions read left to right.
extension Float {
    /// e raised to this value (`expf`).
    var exponential: Float { expf(self) }

    /// The hyperbolic tangent (`tanhf`).
    var hyperbolicTangent: Float { tanhf(self) }

    /// The natural logarithm (`logf`); negative inputs give NaN as in ONNX.
    var logarithm: Float { logf(self) }
}
