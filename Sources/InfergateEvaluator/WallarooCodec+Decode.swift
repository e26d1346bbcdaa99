/// The row-by-row reader behind `WallarooCodec.decodeInput`.
struct InputDecoder {
    /// One input's rows, flattened.
    struct Column {
        var rows = 0
        var values: [Float] = []
    }

    private var scanner: JSONScanner
    private let model: LoadedModel
    private var columns: [String: Column] = [:]
    /// Read once: `model.tokenLimit` reaches into the fast path, too costly per value.
    private let tokenLimit: Int?

    /// A decoder for one request body against one model.
    init(body: [UInt8], model: LoadedModel) {
        self.scanner = JSONScanner(body)
        self.model = model
        self.tokenLimit = model.tokenLimit
    }

    /// The number of values per row the model declares for an input, when all its dimensions are fixed.
    func width(of name: String) -> Int? {
        guard let shape = model.inputShapes[name], shape.count >= 2 else { return nil }
        let rest = shape.dropFirst()
        guard rest.allSatisfy({ $0 != nil }) else { return nil }
        return rest.reduce(1) { $0 * ($1 ?? 1) }
    }

    /// The shape of one row: the declared trailing dimensions, or `[width]` when they are symbolic.
    func rowShape(of name: String, width: Int) -> [Int] {
        guard let shape = model.inputShapes[name], shape.count >= 2, shape.dropFirst().allSatisfy({ $0 != nil }) else {
            return [width]
        }
        return shape.dropFirst().map { $0 ?? width }
    }

    /// `{"name": [[row], [row], ...], ...}`.
    mutating func decodeLegacy() throws(EvaluatorError) -> [String: Column] {
        try scanner.expect("{")
        if scanner.consume("}") {
            return columns
        }
        repeat {
            let name = try checkedName(try scanner.readString(), row: nil)
            try scanner.expect(":")
            try scanner.expect("[")
            var row = 0
            if !scanner.consume("]") {
                repeat {
                    try readRow(name: name, row: row)
                    row += 1
                } while scanner.consume(",")
                try scanner.expect("]")
            }
        } while scanner.consume(",")
        try scanner.expect("}")
        try expectEnd()
        return columns
    }

    /// `[{"name": [row], ...}, ...]`.
    mutating func decodePandasRecords() throws(EvaluatorError) -> [String: Column] {
        try scanner.expect("[")
        var row = 0
        if !scanner.consume("]") {
            repeat {
                try scanner.expect("{")
                var seen = 0
                repeat {
                    let name = try checkedName(try scanner.readString(), row: row)
                    try scanner.expect(":")
                    try readRow(name: name, row: row)
                    seen += 1
                } while scanner.consume(",")
                try scanner.expect("}")
                guard seen == model.inputNames.count else {
                    throw .invalidInput("row \(row) has \(seen) fields, the model needs \(model.inputNames)", row: row)
                }
                row += 1
            } while scanner.consume(",")
            try scanner.expect("]")
        }
        try expectEnd()
        return columns
    }

    private func checkedName(_ name: String, row: Int?) throws(EvaluatorError) -> String {
        guard model.inputNames.contains(name) else {
            let expected = model.inputNames.joined(separator: ", ")
            let prefix = row.map { "row \($0): " } ?? ""
            throw .invalidInput("\(prefix)unknown input \"\(name)\"; the model expects \(expected)", row: row)
        }
        return name
    }

    private mutating func expectEnd() throws(EvaluatorError) {
        guard scanner.peek() == nil else {
            throw .invalidInput("malformed JSON: unexpected data after the body at byte \(scanner.position)")
        }
    }

    /// Reads one row `[v, v, ...]` of `name` and checks its width and values.
    private mutating func readRow(name: String, row: Int) throws(EvaluatorError) {
        // Taken out of the dictionary so appending does not copy the whole column (copy-on-write).
        var column = columns.removeValue(forKey: name) ?? Column()
        guard column.rows == row else {
            throw .invalidInput("row \(row): input \(name) appears twice", row: row)
        }
        guard scanner.consume("[") else {
            throw .invalidInput("row \(row): \(name) must be an array of numbers", row: row)
        }
        let start = column.values.count
        if !scanner.consume("]") {
            repeat {
                guard let value = scanner.readNumber() else {
                    let found = scanner.describeNext()
                    throw .invalidInput(
                        "row \(row): \(name)[\(column.values.count - start)] is \(found), not a number", row: row)
                }
                try check(value, name: name, row: row, index: column.values.count - start)
                column.values.append(value)
            } while scanner.consume(",")
            guard scanner.consume("]") else {
                throw .invalidInput("row \(row): \(name) must be a flat array of numbers", row: row)
            }
        }
        let count = column.values.count - start
        let expected = width(of: name) ?? (row == 0 ? count : (column.values.count - count) / max(row, 1))
        guard count == expected else {
            throw .invalidInput("row \(row): \(name) has \(count) values, expected \(expected)", row: row)
        }
        column.rows += 1
        columns[name] = column
    }

    private func check(_ value: Float, name: String, row: Int, index: Int) throws(EvaluatorError) {
        guard value.isFinite else {
            throw .invalidInput("row \(row): \(name)[\(index)] is out of the float32 range", row: row)
        }
        if let limit = tokenLimit, !(value >= 0 && value < Float(limit) && value == value.rounded()) {
            throw .invalidInput(
                "row \(row): \(name)[\(index)] is \(value), token ids must be whole numbers 0...\(limit - 1)",
                row: row)
        }
    }
}
