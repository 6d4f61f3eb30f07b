import Embedding
import Foundation

/// The real all-MiniLM-L6-v2, loaded once per test process from `Data/models` (fetched by
/// `make test`) or `NEX_MODEL_DIR`.
public enum TestModel {
    public static var directory: String {
        if let configured = ProcessInfo.processInfo.environment["NEX_MODEL_DIR"], !configured.isEmpty { return configured }
        return BuildProducts.repositoryRoot.appendingPathComponent("Data/models/all-MiniLM-L6-v2").path
    }

    private static func load(_ precision: EmbeddingPrecision) throws -> MiniLMEmbedder {
        guard FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("model.safetensors")) else {
            throw TestModelError.missing(directory)
        }
        var configuration = EmbedderConfiguration(modelDirectory: directory)
        configuration.precision = precision
        return try MiniLMEmbedder(configuration: configuration)
    }

    private static let shared: Result<MiniLMEmbedder, any Error> = Result { try load(.fp32) }
    private static let sharedInt8: Result<MiniLMEmbedder, any Error> = Result { try load(.int8) }

    /// The shared embedder; throws (failing the test) when the model was not fetched.
    public static func embedder() throws -> MiniLMEmbedder { try shared.get() }

    /// The shared embedder with int8 dense layers.
    public static func int8Embedder() throws -> MiniLMEmbedder { try sharedInt8.get() }
}

public enum TestModelError: Error, CustomStringConvertible {
    case missing(String)
    public var description: String { "the embedding model is not in \(TestModel.directory): run `make test` (or `make model`) first" }
}
