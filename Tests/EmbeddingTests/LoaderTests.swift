import Embedding
import Foundation
import TestSupport
import Testing

@Suite("Checkpoint loading errors")
struct LoaderTests {
    /// Writes a safetensors file with the given header entries and data bytes.
    func writeSafetensors(_ header: [String: Any], data: Data, to path: String) throws {
        let json = try JSONSerialization.data(withJSONObject: header)
        var length = UInt64(json.count).littleEndian
        var file = Data(bytes: &length, count: 8)
        file.append(json)
        file.append(data)
        try file.write(to: URL(fileURLWithPath: path))
    }

    @Test("a truncated checkpoint is refused with a message naming the problem")
    func truncated() throws {
        let directory = try TemporaryDirectory()
        let source = (TestModel.directory as NSString).appendingPathComponent("model.safetensors")
        let handle = try #require(FileHandle(forReadingAtPath: source))
        let head = handle.readData(ofLength: 5 << 20)
        try handle.close()
        let path = directory.appending("truncated.safetensors")
        try head.write(to: URL(fileURLWithPath: path))
        do {
            _ = try SafeTensorsFile(path: path)
            Issue.record("a truncated file was accepted")
        } catch let error as EmbeddingError {
            #expect("\(error)".contains("truncated"))
        }
        // A file shorter than its own header length.
        let tiny = directory.appending("tiny.safetensors")
        try Data([0xFF, 0, 0, 0, 0, 0, 0, 0, 0x7B]).write(to: URL(fileURLWithPath: tiny))
        #expect(throws: EmbeddingError.self) { try SafeTensorsFile(path: tiny) }
    }

    @Test("a wrong dtype or shape is refused when the tensor is read")
    func wrongDtype() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("f16.safetensors")
        try writeSafetensors(["w": ["dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]]], data: Data(count: 8), to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(throws: EmbeddingError.tensorMismatch(name: "w", reason: "dtype F16, expected F32")) {
            try file.floats("w", shape: [2, 2])
        }
        let f32 = directory.appending("f32.safetensors")
        try writeSafetensors(["w": ["dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]]], data: Data(count: 16), to: f32)
        #expect(try SafeTensorsFile(path: f32).floats("w", shape: [2, 2]).count == 4)
        #expect(throws: EmbeddingError.self) { try SafeTensorsFile(path: f32).floats("w", shape: [4]) }
        #expect(throws: EmbeddingError.missingTensor("nope")) { try SafeTensorsFile(path: f32).floats("nope", shape: [1]) }
    }

    @Test("foreign files and inconsistent headers are refused")
    func foreign() throws {
        let directory = try TemporaryDirectory()
        let text = directory.appending("readme.safetensors")
        try Data("This is not a checkpoint at all, just some text".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: EmbeddingError.self) { try SafeTensorsFile(path: text) }
        let lying = directory.appending("lying.safetensors")
        try writeSafetensors(["w": ["dtype": "F32", "shape": [3], "data_offsets": [0, 8]]], data: Data(count: 8), to: lying)
        #expect(throws: EmbeddingError.self) { try SafeTensorsFile(path: lying) }
        let unknown = directory.appending("unknown.safetensors")
        try writeSafetensors(["w": ["dtype": "Q4", "shape": [1], "data_offsets": [0, 1]]], data: Data(count: 1), to: unknown)
        #expect(throws: EmbeddingError.self) { try SafeTensorsFile(path: unknown) }
        #expect(throws: EmbeddingError.missingFile(directory.appending("absent"))) { try SafeTensorsFile(path: directory.appending("absent")) }
    }

    @Test("a model directory without weights names the missing file")
    func missingModel() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: (TestModel.directory as NSString).appendingPathComponent("config.json"), toPath: directory.appending("config.json"))
        try FileManager.default.copyItem(atPath: (TestModel.directory as NSString).appendingPathComponent("vocab.txt"), toPath: directory.appending("vocab.txt"))
        #expect(throws: EmbeddingError.missingFile(directory.appending("model.safetensors"))) {
            try MiniLMEmbedder(configuration: EmbedderConfiguration(modelDirectory: directory.path))
        }
    }
}
