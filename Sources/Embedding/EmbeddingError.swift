/// Errors of the embedding engine: loading the model and running it.
public enum EmbeddingError: Error, Equatable, CustomStringConvertible {
    case missingFile(String)
    case invalidConfiguration(String)
    case invalidSafetensors(path: String, reason: String)
    case missingTensor(String)
    case tensorMismatch(name: String, reason: String)
    case unsupportedPlatform(String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "model file missing: \(path) (run `make model` or set NEX_MODEL_DIR)"
        case .invalidConfiguration(let reason):
            return "invalid model configuration: \(reason)"
        case .invalidSafetensors(let path, let reason):
            return "\(path) is not a usable safetensors file: \(reason)"
        case .missingTensor(let name):
            return "the checkpoint has no tensor \(name)"
        case .tensorMismatch(let name, let reason):
            return "tensor \(name): \(reason)"
        case .unsupportedPlatform(let reason):
            return reason
        }
    }
}
