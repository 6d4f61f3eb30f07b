import Foundation

/// Checks that this CPU can run the code the hot modules were compiled for.
///
/// Release builds of the numeric modules target AVX2 + FMA (see Package.swift); on an older
/// CPU they would die with SIGILL in the middle of a request. Commands call `check()` first
/// and stop with a clear message instead.
public enum CPUFeatures {
    /// The instruction-set extensions the build requires (empty for portable builds).
    public static var required: [String] {
        #if NEX_REQUIRES_AVX2
        return ["avx2", "fma"]
        #else
        return []
        #endif
    }

    /// The CPU's feature flags from `/proc/cpuinfo` (empty where there is none).
    public static var flags: Set<String> {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(flagsLine.split(separator: " ").map(String.init))
    }

    /// Throws when a required extension is missing from `/proc/cpuinfo`.
    public static func check() throws {
        guard !required.isEmpty,
              let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        let missing = required.filter { !flags.contains($0) }
        guard missing.isEmpty else { throw CPUFeatureError(missing: missing) }
    }
}

public struct CPUFeatureError: Error, CustomStringConvertible {
    public let missing: [String]
    public var description: String {
        "this build needs CPU support for \(missing.joined(separator: ", ")); rebuild with `NEX_PORTABLE_BUILD=1 swift build -c release`"
    }
}
