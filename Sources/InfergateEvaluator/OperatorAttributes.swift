/// The checked attributes of an ONNX `LSTM` node (forward direction, one layer).
///
/// Activations are `f` for the i/o/f gates, `g` for the cell candidate, `h` for the output, each with the
/// alpha/beta ONNX assigns in order; `clip` and `input_forget` other than 0 and reverse or bidirectional
/// directions are load-time errors.
struct LSTMAttributes: Sendable {
    var hiddenSize: Int
    var f: Activation
    var g: Activation
    var h: Activation
    var layout: Int

    /// An LSTM activation function.
    enum Activation: Sendable, Equatable {
        case sigmoid
        case tanh
        case relu
        case hardSigmoid(alpha: Float, beta: Float)

        /// The activation of one value.
        func apply(_ x: Float) -> Float {
            switch self {
            case .sigmoid: 1 / (1 + (-x).exponential)
            case .tanh: x.hyperbolicTangent
            case .relu: max(x, 0)
            case .hardSigmoid(let alpha, let beta): min(max(alpha * x + beta, 0), 1)
            }
        }
    }

    /// Checks and reads the LSTM attributes; unsupported ones throw naming the node.
    init(_ attributes: AttributeReader) throws(EvaluatorError) {
        hiddenSize = try attributes.requiredInt("hidden_size")
        layout = attributes.int("layout") ?? 0
        guard hiddenSize > 0, layout == 0 else {
            throw attributes.unsupported("hidden_size must be positive and layout 0")
        }
        let direction = attributes.string("direction") ?? "forward"
        guard direction == "forward" else {
            throw attributes.unsupported("direction \(direction) is not supported (only forward)")
        }
        guard attributes.float("clip") == nil, (attributes.int("input_forget") ?? 0) == 0 else {
            throw attributes.unsupported("clip and input_forget are not supported")
        }
        let names = attributes.strings("activations") ?? ["Sigmoid", "Tanh", "Tanh"]
        guard names.count == 3 else {
            throw attributes.unsupported("activations must list 3 functions for one direction")
        }
        var alphas = attributes.floats("activation_alpha") ?? []
        var betas = attributes.floats("activation_beta") ?? []
        var parsed: [Activation] = []
        for name in names {
            switch name.lowercased() {
            case "sigmoid": parsed.append(.sigmoid)
            case "tanh": parsed.append(.tanh)
            case "relu": parsed.append(.relu)
            case "hardsigmoid":
                let alpha = alphas.isEmpty ? 0.2 : alphas.removeFirst()
                let beta = betas.isEmpty ? 0.5 : betas.removeFirst()
                parsed.append(.hardSigmoid(alpha: alpha, beta: beta))
            default: throw attributes.unsupported("LSTM activation \(name) is not supported")
            }
        }
        (f, g, h) = (parsed[0], parsed[1], parsed[2])
    }
}

/// The checked attributes of an ONNX `Conv` node over 1-D or 2-D inputs (NCW or NCHW).
///
/// `auto_pad` NOTSET and VALID are supported; SAME_UPPER and SAME_LOWER are load-time errors. Empty arrays
/// mean "use the default for the input's rank", resolved when the node runs.
struct ConvAttributes: Sendable {
    var kernelShape: [Int]?
    var pads: [Int]?
    var strides: [Int]?
    var dilations: [Int]?
    var group: Int

    /// Checks and reads the Conv attributes; SAME padding and group < 1 throw.
    init(_ attributes: AttributeReader) throws(EvaluatorError) {
        kernelShape = attributes.ints("kernel_shape")
        pads = attributes.ints("pads")
        strides = attributes.ints("strides")
        dilations = attributes.ints("dilations")
        group = attributes.int("group") ?? 1
        let autoPad = attributes.string("auto_pad") ?? "NOTSET"
        guard autoPad == "NOTSET" || autoPad == "VALID" else {
            throw attributes.unsupported("auto_pad \(autoPad) is not supported")
        }
        if autoPad == "VALID" {
            pads = nil
        }
        guard group >= 1 else {
            throw attributes.unsupported("group must be at least 1")
        }
    }
}
