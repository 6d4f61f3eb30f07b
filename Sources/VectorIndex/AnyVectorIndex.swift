import NexNumerics

/// A flat or IVF index chosen at run time (what a file or a collection holds).
public enum AnyVectorIndex: VectorSearchIndex {
    case flat(FlatIndex)
    case ivf(IVFIndex)

    /// Collections below this many vectors are searched exactly: a full scan is then only a
    /// few milliseconds and needs no training.
    public static let flatThreshold = 20_000

    /// The index kind for `count` vectors: flat below `flatThreshold`, else IVF with the
    /// default number of lists (untrained).
    public static func recommended(dimension: Int, count: Int) -> AnyVectorIndex {
        count < flatThreshold
            ? .flat(FlatIndex(dimension: dimension))
            : .ivf(IVFIndex(dimension: dimension, nlist: IVFIndex.defaultListCount(for: count)))
    }

    public var kindName: String {
        switch self {
        case .flat: return "flat"
        case .ivf: return "ivf"
        }
    }

    public var dimension: Int {
        switch self {
        case .flat(let index): return index.dimension
        case .ivf(let index): return index.dimension
        }
    }

    public var count: Int {
        switch self {
        case .flat(let index): return index.count
        case .ivf(let index): return index.count
        }
    }

    public var isTrained: Bool {
        switch self {
        case .flat(let index): return index.isTrained
        case .ivf(let index): return index.isTrained
        }
    }

    public mutating func train(_ vectors: Matrix) throws {
        switch self {
        case .flat(var index):
            try index.train(vectors)
            self = .flat(index)
        case .ivf(var index):
            try index.train(vectors)
            self = .ivf(index)
        }
    }

    public mutating func add(_ vectors: Matrix, ids: [Int64]) throws {
        switch self {
        case .flat(var index):
            try index.add(vectors, ids: ids)
            self = .flat(index)
        case .ivf(var index):
            try index.add(vectors, ids: ids)
            self = .ivf(index)
        }
    }

    public func search(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> SearchResults {
        switch self {
        case .flat(let index): return try index.search(queries, k: k, parameters: parameters)
        case .ivf(let index): return try index.search(queries, k: k, parameters: parameters)
        }
    }

    @discardableResult
    public mutating func remove(_ ids: Set<Int64>) throws -> Int {
        switch self {
        case .flat(var index):
            let removed = try index.remove(ids)
            self = .flat(index)
            return removed
        case .ivf(var index):
            let removed = try index.remove(ids)
            self = .ivf(index)
            return removed
        }
    }
}
