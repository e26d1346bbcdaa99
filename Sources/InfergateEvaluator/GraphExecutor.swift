/// Runs a checked ONNX graph node by node with the reference kernels in `Kernels`.
///
/// Built once at load (names resolved to slots, operators parsed, arity and initializer types checked) and
/// immutable afterwards, so one executor may run on many threads at once; each run owns its value slots.
/// Values are released after their last use to bound memory on large batches.
struct GraphExecutor: Sendable {
    /// One compiled node: its operator and the slots it reads and writes (nil for absent optional ones).
    struct Step: Sendable {
        let op: Operator
        let label: String
        let inputs: [Int?]
        let outputs: [Int?]
        let releases: [Int]
    }

    let steps: [Step]
    let slotCount: Int
    let constants: [(slot: Int, value: Value)]
    let inputSlots: [(name: String, slot: Int)]
    let outputSlots: [(name: String, slot: Int)]
    let initializers: [String: Value]

    /// Compiles and checks every node; throws the first unsupported or mis-wired one.
    init(graph: ONNXGraph, opset: Int) throws(EvaluatorError) {
        guard !graph.hasSparseInitializers else {
            throw .invalidModel("sparse initializers are not supported")
        }
        var slots: [String: Int] = [:]
        var constants: [(slot: Int, value: Value)] = []
        var initializers: [String: Value] = [:]
        for tensor in graph.initializers {
            slots[tensor.name] = slots.count
            constants.append((slots.count - 1, tensor.value))
            initializers[tensor.name] = tensor.value
        }
        var inputSlots: [(name: String, slot: Int)] = []
        for input in graph.inputs where initializers[input.name] == nil {
            guard input.elementTypeCode == 1 else {
                throw .unsupported("unsupported_data_type", node: input.name, "graph inputs must be float32")
            }
            slots[input.name] = slots.count
            inputSlots.append((input.name, slots.count - 1))
        }
        var steps: [Step] = []
        for node in graph.nodes {
            let op = try Operator.compile(node, opset: opset)
            try Self.checkArity(op, node: node)
            let inputs = try node.inputs.map { name throws(EvaluatorError) -> Int? in
                guard !name.isEmpty else { return nil }
                guard let slot = slots[name] else {
                    throw .invalidModel("node \(node.label): input \(name) is not produced before it")
                }
                return slot
            }
            let outputs = node.outputs.map { name -> Int? in
                guard !name.isEmpty else { return nil }
                slots[name] = slots.count
                return slots.count - 1
            }
            steps.append(Step(op: op, label: node.label, inputs: inputs, outputs: outputs, releases: []))
        }
        var outputSlots: [(name: String, slot: Int)] = []
        for output in graph.outputs {
            guard let slot = slots[output.name] else {
                throw .invalidModel("graph output \(output.name) is never produced")
            }
            outputSlots.append((output.name, slot))
        }
        self.steps = Self.addReleases(steps, keep: Set(outputSlots.map(\.slot) + constants.map(\.slot)))
        self.slotCount = slots.count
        self.constants = constants
        self.inputSlots = inputSlots
        self.outputSlots = outputSlots
        self.initializers = initializers
    }

    /// Runs the graph on named inputs and returns every graph output by name.
    func run(_ inputs: [String: Value]) throws(EvaluatorError) -> [String: Value] {
        var values = [Value?](repeating: nil, count: slotCount)
        for (slot, value) in constants {
            values[slot] = value
        }
        for (name, slot) in inputSlots {
            guard let value = inputs[name] else {
                throw .invalidInput("missing input \(name)")
            }
            values[slot] = value
        }
        for step in steps {
            var arguments: [Value?] = []
            arguments.reserveCapacity(step.inputs.count)
            for slot in step.inputs {
                arguments.append(slot.flatMap { values[$0] })
            }
            let results = try Kernels.run(step.op, arguments, outputCount: step.outputs.count, label: step.label)
            for (index, slot) in step.outputs.enumerated() {
                if let slot, index < results.count {
                    values[slot] = results[index]
                }
            }
            for slot in step.releases {
                values[slot] = nil
            }
        }
        var outputs: [String: Value] = [:]
        for (name, slot) in outputSlots {
            guard let value = values[slot] else {
                throw .evaluation(node: name, "output was not computed")
            }
            outputs[name] = value
        }
        return outputs
    }

    private static func addReleases(_ steps: [Step], keep: Set<Int>) -> [Step] {
        var lastUse: [Int: Int] = [:]
        for (index, step) in steps.enumerated() {
            for slot in step.inputs.compactMap({ $0 }) {
                lastUse[slot] = index
            }
        }
        var releases = [[Int]](repeating: [], count: steps.count)
        for (slot, index) in lastUse where !keep.contains(slot) {
            releases[index].append(slot)
        }
        return steps.enumerated().map { index, step in
            Step(op: step.op, label: step.label, inputs: step.inputs, outputs: step.outputs, releases: releases[index])
        }
    }

    private static func checkArity(_ op: Operator, node: ONNXNode) throws(EvaluatorError) {
        let range: ClosedRange<Int>
        switch op {
        case .binary, .matMul, .gather: range = 2...2
        case .gemm, .conv: range = 2...3
        case .lstm: range = 3...8
        case .reshape: range = 2...2
        case .clip: range = 1...3
        case .squeeze, .unsqueeze, .reduceMax, .split: range = 1...2
        case .concat: range = 1...Int.max
        default: range = 1...1
        }
        let present = node.inputs.lastIndex { !$0.isEmpty }.map { $0 + 1 } ?? 0
        guard range.contains(present), !node.outputs.isEmpty else {
            throw .invalidModel("node \(node.label): \(present) inputs, expected \(range.lowerBound)...")
        }
        if case .lstm = op, node.inputs.count > 7, !node.inputs[7].isEmpty {
            throw .unsupported("unsupported_attribute", node: node.label, "LSTM peepholes (P) are not supported")
        }
    }
}
