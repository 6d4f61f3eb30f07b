import Foundation
import NexNumerics

#if canImport(Glibc)
import Glibc
#endif

/// Readers for the TEXMEX `.fvecs` / `.ivecs` files of `../shared/bench/make_vectors.py`:
/// each record is an int32 dimension followed by that many float32 (or int32) values.
enum VectorFiles {
    /// All records of an `.fvecs` file as an `n × d` matrix.
    static func readFloats(_ path: String) throws -> Matrix {
        let (rows, dimension, values) = try read(path, as: Float.self)
        return Matrix(rows: rows, cols: dimension, storage: values)
    }

    /// All records of an `.ivecs` file, row-major.
    static func readInts(_ path: String) throws -> (rows: Int, dimension: Int, values: [Int32]) {
        try read(path, as: Int32.self)
    }

    private static func read<T: BitwiseCopyable>(_ path: String, as: T.Type) throws -> (Int, Int, [T]) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CLIError("cannot open \(path)") }
        defer { close(fd) }
        var info = stat()
        fstat(fd, &info)
        let size = Int(info.st_size)
        guard size >= 4, let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapping != MAP_FAILED else {
            throw CLIError("cannot map \(path)")
        }
        defer { munmap(mapping, size) }
        let dimension = Int(Int32(littleEndian: mapping.loadUnaligned(as: Int32.self)))
        let record = 4 + 4 * dimension
        guard dimension > 0, size % record == 0 else { throw CLIError("\(path) is not a .fvecs/.ivecs file of dimension \(dimension)") }
        let rows = size / record
        let values = [T](unsafeUninitializedCapacity: rows * dimension) { buffer, initialized in
            if let out = buffer.baseAddress {
                for row in 0..<rows {
                    UnsafeMutableRawPointer(out + row * dimension)
                        .copyMemory(from: mapping + row * record + 4, byteCount: dimension * 4)
                }
            }
            initialized = rows * dimension
        }
        return (rows, dimension, values)
    }
}

/// Wall and process-CPU time of a closure.
struct Timing {
    var wall: Double
    var cpu: Double
    var utilization: Double { wall > 0 ? cpu / wall : 0 }

    static func processCPUSeconds() -> Double { Stopwatch.processCPUSeconds() }

    static func measure<T>(_ body: () throws -> T) rethrows -> (T, Timing) {
        let cpu0 = processCPUSeconds(), wall0 = Stopwatch.seconds()
        let value = try body()
        return (value, Timing(wall: Stopwatch.seconds() - wall0, cpu: processCPUSeconds() - cpu0))
    }

    /// Runs `body` `repetitions` times; the median wall and CPU times.
    static func median<T>(_ repetitions: Int, _ body: () throws -> T) rethrows -> (T, Timing) {
        var walls: [Double] = [], cpus: [Double] = []
        var last: T?
        for _ in 0..<max(1, repetitions) {
            let (value, timing) = try measure(body)
            last = value
            walls.append(timing.wall)
            cpus.append(timing.cpu)
        }
        guard let last else { preconditionFailure("at least one repetition runs") }
        return (last, Timing(wall: BenchSupport.percentile(walls, 0.5), cpu: BenchSupport.percentile(cpus, 0.5)))
    }
}
