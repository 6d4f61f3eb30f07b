/// A fast 64-bit checksum for index files: four independent lanes, each taking one 8-byte
/// word per 32-byte stripe through multiply–rotate–multiply (the round function of xxHash64,
/// Y. Collet), folded together with the length at the end. Detects truncation, bit flips and
/// torn writes; not a cryptographic hash. Streams: `update` may be called with any split.
struct StreamHasher {
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63

    private var lanes: (UInt64, UInt64, UInt64, UInt64)
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    init(seed: UInt64 = 0) {
        lanes = (seed &+ Self.p1 &+ Self.p2, seed &+ Self.p2, seed, seed &- Self.p1)
        pending.reserveCapacity(32)
    }

    @inline(__always)
    private static func round(_ lane: UInt64, _ word: UInt64) -> UInt64 {
        let mixed = lane &+ word &* p2
        return ((mixed << 31) | (mixed >> 33)) &* p1
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        length += UInt64(remaining)
        if !pending.isEmpty {
            let take = min(32 - pending.count, remaining)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            base += take
            remaining -= take
            guard pending.count == 32 else { return }
            pending.withUnsafeBytes { stripe in
                if let start = stripe.baseAddress { consume(start, stripes: 1) }
            }
            pending.removeAll(keepingCapacity: true)
        }
        let stripes = remaining / 32
        consume(base, stripes: stripes)
        base += stripes * 32
        remaining -= stripes * 32
        if remaining > 0 { pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: remaining)) }
    }

    mutating func update(zeros count: Int) {
        let zeros = [UInt8](repeating: 0, count: count)
        zeros.withUnsafeBytes { update($0) }
    }

    private mutating func consume(_ base: UnsafeRawPointer, stripes: Int) {
        var (a, b, c, d) = lanes
        var pointer = base
        for _ in 0..<stripes {
            a = Self.round(a, UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)))
            b = Self.round(b, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            c = Self.round(c, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            d = Self.round(d, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
            pointer += 32
        }
        lanes = (a, b, c, d)
    }

    /// The digest of everything fed so far.
    func finalize() -> UInt64 {
        let (a, b, c, d) = lanes
        var hash = ((a << 1) | (a >> 63)) &+ ((b << 7) | (b >> 57)) &+ ((c << 12) | (c >> 52)) &+ ((d << 18) | (d >> 46))
        hash ^= length &* Self.p3
        for byte in pending {
            let mixed = hash ^ (UInt64(byte) &* Self.p4)
            hash = ((mixed << 11) | (mixed >> 53)) &* Self.p1
        }
        hash ^= hash >> 33
        hash = hash &* Self.p2
        hash ^= hash >> 29
        hash = hash &* Self.p3
        hash ^= hash >> 32
        return hash
    }

    /// The digest of one buffer.
    static func digest(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = StreamHasher()
        hasher.update(bytes)
        return hasher.finalize()
    }
}
