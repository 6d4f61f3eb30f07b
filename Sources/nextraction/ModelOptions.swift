import API
import ArgumentParser
import Embedding
import Foundation
import NexNumerics

/// Options of the commands that run the embedding model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Embedding model folder (default: <data dir>/models/all-MiniLM-L6-v2, or NEX_MODEL_DIR).", valueName: "path"))
    var modelDir: String?

    @Option(name: .long, help: ArgumentHelp("Threads per forward pass (default: every core, or NEX_EMBED_THREADS).", valueName: "n"))
    var threads: Int?

    /// Loads the embedder described by `config` and these options.
    func embedder(config: AppConfig, precision: EmbeddingPrecision? = nil) throws -> MiniLMEmbedder {
        try CPUFeatures.check()
        return try MiniLMEmbedder(configuration: config.embedderConfiguration(modelDirectory: modelDir, threads: threads,
                                                                                 precision: precision))
    }
}
