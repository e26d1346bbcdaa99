import Testing

@testable import InfergateEvaluator

/// The wire-format reader on hand-built messages, including every malformed case it must reject.
@Suite struct ProtobufReaderTests {
    @Test func readsEveryWireType() throws {
        var writer = ProtobufWriter()
        writer.int(1, 300)
        writer.int(2, -2)
        writer.fixed32(3, Float(1.5).bitPattern)
        writer.fixed64(4, 0x0102_0304_0506_0708)
        writer.string(5, "héllo")
        var reader = ProtobufReader(bytes: writer.bytes)

        #expect(try reader.readKey() == (1, .varint))
        #expect(try reader.readVarint() == 300)
        #expect(try reader.readKey() == (2, .varint))
        #expect(try reader.readInt() == -2)
        #expect(try reader.readKey() == (3, .fixed32))
        #expect(Float(bitPattern: try reader.readFixed32()) == 1.5)
        #expect(try reader.readKey() == (4, .fixed64))
        #expect(try reader.readFixed64() == 0x0102_0304_0506_0708)
        #expect(try reader.readKey() == (5, .lengthDelimited))
        #expect(try reader.readString() == "héllo")
        #expect(reader.isAtEnd)
    }

    @Test func readsPackedAndUnpackedRepeatedFields() throws {
        var writer = ProtobufWriter()
        writer.packedInts(1, [1, 150, -1])
        writer.int(1, 7)
        writer.packedFloats(2, [0.25, -3])
        writer.fixed32(2, Float(9).bitPattern)
        var reader = ProtobufReader(bytes: writer.bytes)
        var ints: [Int64] = []
        var floats: [Float] = []
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readKey()
            if field == 1 {
                try reader.readInt64s(wireType, into: &ints)
            } else {
                try reader.readFloats(wireType, into: &floats)
            }
        }
        #expect(ints == [1, 150, -1, 7])
        #expect(floats == [0.25, -3, 9])
    }

    @Test func skipsUnknownFieldsAndReadsNestedMessages() throws {
        var writer = ProtobufWriter()
        writer.fixed64(9, 1)
        writer.message(2) { $0.int(1, 42) }
        var reader = ProtobufReader(bytes: writer.bytes)
        let (_, skipped) = try reader.readKey()
        try reader.skip(skipped)
        _ = try reader.readKey()
        var child = try reader.readMessage()
        _ = try child.readKey()
        #expect(try child.readInt() == 42)
        #expect(child.isAtEnd && reader.isAtEnd)
    }

    @Test(arguments: [
        [0x08, 0x80] as [UInt8],  // varint cut short
        [0x0D, 0x01, 0x02],  // fixed32 cut short
        [0x12, 0x05, 0x61],  // length past the end
        [0x0B],  // group start: not supported
        [0x00, 0x01],  // field number 0
        [0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01],  // varint longer than 64 bits
    ])
    func rejectsMalformedInput(bytes: [UInt8]) {
        var reader = ProtobufReader(bytes: bytes)
        #expect(throws: EvaluatorError.self) {
            while !reader.isAtEnd {
                let (_, wireType) = try reader.readKey()
                try reader.skip(wireType)
            }
        }
    }
}
