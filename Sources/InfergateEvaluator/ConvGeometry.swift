/// The resolved sizes of one Conv application, with 1-D convolutions treated as 2-D of height 1.
///
/// Pads, strides and dilations default per ONNX (0, 1, 1); padded positions contribute zero.
struct ConvGeometry {
    let batch: Int
    let inChannels: Int
    let outChannels: Int
    let inPerGroup: Int
    let outPerGroup: Int
    let inHeight: Int
    let inWidth: Int
    let kernelHeight: Int
    let kernelWidth: Int
    let strides: (Int, Int)
    let dilations: (Int, Int)
    let padsBegin: (Int, Int)
    let outHeight: Int
    let outWidth: Int

    var outputPlane: Int { outHeight * outWidth }
    var outputCount: Int { batch * outChannels * outputPlane }

    /// Resolves sizes from the input and weight shapes, throwing when they do not fit together.
    init(_ context: KernelContext, x: [Int], w: [Int], _ attributes: ConvAttributes) throws(EvaluatorError) {
        let twoD = x.count == 4
        let group = attributes.group
        batch = x[0]
        inChannels = x[1]
        outChannels = w[0]
        inPerGroup = w[1]
        guard inChannels == inPerGroup * group, outChannels % group == 0 else {
            throw context.fail("channels \(inChannels) do not match weights \(w) with group \(group)")
        }
        outPerGroup = outChannels / group
        (inHeight, inWidth) = twoD ? (x[2], x[3]) : (1, x[2])
        (kernelHeight, kernelWidth) = twoD ? (w[2], w[3]) : (1, w[2])
        if let kernel = attributes.kernelShape, kernel != Array(w.dropFirst(2)) {
            throw context.fail("kernel_shape \(kernel) does not match weights \(w)")
        }
        let rank = twoD ? 2 : 1
        let strideList = attributes.strides ?? [Int](repeating: 1, count: rank)
        let dilationList = attributes.dilations ?? [Int](repeating: 1, count: rank)
        let padList = attributes.pads ?? [Int](repeating: 0, count: rank * 2)
        guard strideList.count == rank, dilationList.count == rank, padList.count == rank * 2,
            strideList.allSatisfy({ $0 > 0 }), dilationList.allSatisfy({ $0 > 0 }), padList.allSatisfy({ $0 >= 0 })
        else {
            throw context.fail("strides, dilations or pads do not fit a \(rank)-D convolution")
        }
        strides = twoD ? (strideList[0], strideList[1]) : (1, strideList[0])
        dilations = twoD ? (dilationList[0], dilationList[1]) : (1, dilationList[0])
        padsBegin = twoD ? (padList[0], padList[1]) : (0, padList[0])
        let padsEnd = twoD ? (padList[2], padList[3]) : (0, padList[1])
        let spanHeight = (kernelHeight - 1) * dilations.0 + 1
        let spanWidth = (kernelWidth - 1) * dilations.1 + 1
        outHeight = (inHeight + padsBegin.0 + padsEnd.0 - spanHeight) / strides.0 + 1
        outWidth = (inWidth + padsBegin.1 + padsEnd.1 - spanWidth) / strides.1 + 1
        guard outHeight > 0, outWidth > 0 else {
            throw context.fail("the kernel is larger than the padded input \(x)")
        }
    }

    /// The output shape in the input's own rank (NCW or NCHW).
    func outputShape(spatial: Int) -> [Int] {
        spatial == 2 ? [batch, outChannels, outHeight, outWidth] : [batch, outChannels, outWidth]
    }

    /// The kernel window of output channel `m` and input channel `c` (within its group) at one position.
    func dot(_ x: [Float], _ w: [Float], n: Int, channel: Int, m: Int, c: Int, oy: Int, ox: Int) -> Float {
        var total: Float = 0
        let inputBase = (n * inChannels + channel) * inHeight * inWidth
        let weightBase = (m * inPerGroup + c) * kernelHeight * kernelWidth
        for ky in 0..<kernelHeight {
            let iy = oy * strides.0 - padsBegin.0 + ky * dilations.0
            guard iy >= 0, iy < inHeight else { continue }
            for kx in 0..<kernelWidth {
                let ix = ox * strides.1 - padsBegin.1 + kx * dilations.1
                guard ix >= 0, ix < inWidth else { continue }
                total += x[inputBase + iy * inWidth + ix] * w[weightBase + ky * kernelWidth + kx]
            }
        }
        return total
    }
}
