import NexNumerics

extension AnyVectorIndex {
    /// Every stored id and vector (row-major), in storage order.
    public func exportAll() -> (ids: [Int64], vectors: Matrix) {
        var ids: [Int64] = []
        var storage: [Float] = []
        let runs: [(ids: StoredArray<Int64>, vectors: StoredArray<Float>)]
        let tombstones: Set<Int64>
        switch self {
        case .flat(let flat):
            runs = flat.segments.map { ($0.ids, $0.vectors) }
            tombstones = flat.tombstones
        case .ivf(let ivf):
            runs = ivf.segments.map { ($0.ids, $0.vectors) }
            tombstones = ivf.tombstones
        }
        let d = dimension
        for run in runs {
            if tombstones.isEmpty {
                ids += run.ids.array
                storage += run.vectors.array
                continue
            }
            for row in 0..<run.ids.count where !tombstones.contains(run.ids[row]) {
                ids.append(run.ids[row])
                storage += UnsafeBufferPointer(start: run.vectors.pointer + row * d, count: d)
            }
        }
        return (ids, Matrix(rows: ids.count, cols: dimension, storage: storage))
    }

    /// The stored ids.
    public var allIDs: [Int64] {
        switch self {
        case .flat(let flat): return flat.allIDs
        case .ivf(let ivf): return ivf.allIDs
        }
    }

    /// The kind of index to build.
    public enum Kind: String, Sendable, CaseIterable {
        /// Flat below `flatThreshold` vectors, IVF above.
        case automatic = "auto"
        case flat
        case ivf
    }

    /// Builds an index of `kind` over `vectors`: IVF trains on a seeded sample of
    /// `64 · nlist` of them (nlist defaults to 4·√N).
    public static func build(kind: Kind, vectors: Matrix, ids: [Int64], nlist: Int? = nil, seed: UInt64 = 1234) throws -> AnyVectorIndex {
        let chosen: Kind = kind == .automatic ? (ids.count < flatThreshold ? .flat : .ivf) : kind
        switch chosen {
        case .flat, .automatic:
            var flat = FlatIndex(dimension: vectors.cols)
            try flat.add(vectors, ids: ids)
            return .flat(flat)
        case .ivf:
            let lists = max(1, min(nlist ?? IVFIndex.defaultListCount(for: ids.count), max(1, ids.count)))
            var ivf = IVFIndex(dimension: vectors.cols, nlist: lists, seed: seed)
            ivf.kmeans.maxPointsPerCentroid = 64
            try ivf.train(vectors)
            try ivf.add(vectors, ids: ids)
            return .ivf(ivf)
        }
    }

    /// Whether the index has outgrown its kind: flat past `flatThreshold`, or IVF whose
    /// recommended list count doubled.
    public var needsRebalance: Bool {
        switch self {
        case .flat(let flat): return flat.count >= Self.flatThreshold
        case .ivf(let ivf): return IVFIndex.defaultListCount(for: ivf.count) >= 2 * ivf.nlist
        }
    }

    /// This index, rebuilt as IVF (retrained) when it has outgrown its kind; otherwise unchanged.
    public func rebalanced() throws -> AnyVectorIndex {
        guard needsRebalance else { return self }
        let (ids, vectors) = exportAll()
        return try Self.build(kind: .ivf, vectors: vectors, ids: ids)
    }
}
