/// Errors of the vector index: misuse of the contract and unusable index files.
public enum VectorIndexError: Error, Equatable, CustomStringConvertible {
    case dimensionMismatch(expected: Int, got: Int)
    case idCountMismatch(vectors: Int, ids: Int)
    case notTrained
    case trainingSetTooSmall(vectors: Int, needed: Int)
    case invalidParameter(String)
    /// The file is not an index file, is of another version, is truncated or fails its checksum.
    case corruptFile(path: String, reason: String)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .dimensionMismatch(let expected, let got): return "vectors of dimension \(got) given to an index of dimension \(expected)"
        case .idCountMismatch(let vectors, let ids): return "\(vectors) vectors but \(ids) ids"
        case .notTrained: return "the index must be trained before vectors are added"
        case .trainingSetTooSmall(let vectors, let needed): return "training needs at least \(needed) vectors, got \(vectors)"
        case .invalidParameter(let message): return message
        case .corruptFile(let path, let reason): return "index file \(path) is unusable (\(reason)); rebuild it with `nextraction index rebuild`"
        case .io(let path, let reason): return "\(path): \(reason)"
        }
    }
}
