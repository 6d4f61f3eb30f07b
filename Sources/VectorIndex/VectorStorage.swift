import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Keeps the memory behind an index's arrays alive: either heap blocks this index
/// allocated, or a read-only file mapping (`munmap` when the last index using it goes).
final class StorageOwner: @unchecked Sendable {
    private let release: () -> Void
    init(release: @escaping () -> Void) { self.release = release }
    deinit { release() }
}

/// An immutable typed array view: contiguous elements plus whatever owns their memory.
/// Safe to read from many threads; never mutated after creation.
struct StoredArray<Element: BitwiseCopyable>: @unchecked Sendable {
    let pointer: UnsafePointer<Element>
    let count: Int
    let owner: StorageOwner

    /// Copies `values` into a new heap block.
    init(_ values: [Element]) {
        let block = UnsafeMutablePointer<Element>.allocate(capacity: max(1, values.count))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { block.initialize(from: base, count: values.count) }
        }
        self.init(adopting: block, count: values.count)
    }

    /// Takes ownership of an allocated block.
    init(adopting block: UnsafeMutablePointer<Element>, count: Int) {
        pointer = UnsafePointer(block)
        self.count = count
        owner = StorageOwner { block.deallocate() }
    }

    /// A view into memory kept alive by `owner` (a file mapping).
    init(viewing pointer: UnsafePointer<Element>, count: Int, owner: StorageOwner) {
        self.pointer = pointer
        self.count = count
        self.owner = owner
    }

    static var empty: StoredArray { StoredArray([]) }

    subscript(index: Int) -> Element { pointer[index] }

    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: pointer, count: count) }

    var array: [Element] { Array(buffer) }
}

extension StoredArray where Element == Int64 {
    /// The smallest and largest element (nil when empty).
    var bounds: ClosedRange<Int64>? {
        guard count > 0 else { return nil }
        var low = pointer[0], high = pointer[0]
        for index in 1..<max(1, count) {
            let value = pointer[index]
            if value < low { low = value }
            if value > high { high = value }
        }
        return low...high
    }
}
