import CBLAS

#if canImport(Glibc)
import Glibc
#endif

/// The BLAS implementation loaded in this process, and its thread count.
///
/// OpenBLAS keeps one global thread pool, so `threads` is process-wide: set it once at start
/// (the server and the benchmarks do) rather than per call.
public enum BLASRuntime {
    /// A description of the loaded BLAS, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell`.
    public static var configuration: String { String(cString: nex_blas_config()) }

    /// Whether the loaded BLAS is OpenBLAS (fast) rather than the reference implementation.
    public static var isOpenBLAS: Bool { configuration.hasPrefix("OpenBLAS") }

    /// OpenBLAS cores that mean "CPU model not recognised": its generic SSE kernels.
    static let fallbackCores = ["Prescott", "Core2", "Katmai", "Coppermine", "Northwood", "Banias"]

    /// The kernel set OpenBLAS should use instead of the one it picked, if it picked wrong.
    ///
    /// OpenBLAS (DYNAMIC_ARCH) chooses kernels by the CPU's model number. A virtual machine that
    /// reports a generic model ("Intel Xeon Processor") gets the Prescott fallback: SSE3 kernels,
    /// about 4× slower than the AVX2 ones on the same CPU (14.5 against 62.8 GFLOP/s measured on
    /// such a VM). When that happened and the CPU has AVX2 and FMA, the Haswell kernels are
    /// right. OpenBLAS reads `OPENBLAS_CORETYPE` only when it is loaded, so the command line
    /// restarts itself with it (see `nextraction`'s entry point) and `make test` exports it.
    public static var betterCoreType: String? {
        guard isOpenBLAS, fallbackCores.contains(where: { configuration.contains($0) }) else { return nil }
        let flags = CPUFeatures.flags
        return flags.contains("avx2") && flags.contains("fma") ? "Haswell" : nil
    }

    /// The number of threads BLAS uses for one call.
    public static var threads: Int { Int(nex_blas_get_threads()) }

    /// Sets the BLAS thread count; returns false when the loaded BLAS has no threads.
    @discardableResult
    public static func setThreads(_ count: Int) -> Bool {
        nex_blas_set_threads(Int32(max(1, count))) == 1
    }

    /// Measures single-precision GEMM throughput on square `size`×`size` matrices, in GFLOP/s
    /// (2·n³ flops per product), as the best of `repetitions` timed runs after one warm-up.
    public static func measureSGEMM(size: Int = 1024, repetitions: Int = 5) -> Double {
        var a = [Float](repeating: 0, count: size * size)
        var rng = SplitMix64(seed: 42)
        for i in a.indices { a[i] = rng.nextFloat() - 0.5 }
        let b = a
        var c = [Float](repeating: 0, count: size * size)
        var best = Double.infinity
        for repetition in 0...repetitions {
            let start = Stopwatch.seconds()
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        BLAS.sgemm(.none, .none, m: size, n: size, k: size,
                                   a: pa.baseAddress!, lda: size, b: pb.baseAddress!, ldb: size,
                                   c: pc.baseAddress!, ldc: size)
                    }
                }
            }
            let elapsed = Stopwatch.seconds() - start
            if repetition > 0 { best = min(best, elapsed) }
        }
        return 2 * Double(size) * Double(size) * Double(size) / best / 1e9
    }
}

/// Monotonic wall-clock time for measurements.
public enum Stopwatch {
    /// Seconds on the monotonic clock (arbitrary origin).
    public static func seconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// CPU seconds used by this process so far (all threads).
    public static func processCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
