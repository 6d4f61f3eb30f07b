import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Shared pieces of the `bench` and `eval` commands: statistics, tables, JSON output, and
/// running peer implementations in a Python venv.
enum BenchSupport {
    /// The value at `fraction` (0...1) of `values` (nearest rank).
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count - 1)).rounded())))
        return sorted[index]
    }

    /// This process's peak resident set size in MiB.
    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024   // kilobytes on Linux
    }

    /// Seconds taken by `body`.
    static func time<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = try await body()
        return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// Prints `object` as one line of JSON (the last line of output, for scripts).
    static func printJSON(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Rounds for display and JSON.
    static func round(_ value: Double, _ digits: Int = 2) -> Double {
        let scale = pow(10, Double(digits))
        return (value * scale).rounded() / scale
    }

    /// The repository root: the folder above the executable's `.build`, or the working dir.
    static var repositoryRoot: URL {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var url = executable
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// `../shared` next to the repository, when present.
    static var sharedDirectory: URL? {
        let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// Writes a message to standard error (progress that must not pollute `--json` output).
    static func progress(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// A plain-text table with aligned columns.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: [String]) { self.header = header }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}

/// A Python virtual environment under `.build/` for peer implementations, created on first
/// use with `pip install` from PyPI.
struct PeerEnvironment {
    let directory: URL
    let packages: [String]

    init(name: String, packages: [String]) {
        directory = BenchSupport.repositoryRoot.appendingPathComponent(".build/\(name)")
        self.packages = packages
    }

    var python: String { directory.appendingPathComponent("bin/python").path }

    /// Creates the venv and installs the packages unless a previous run did.
    func prepare() throws {
        let marker = directory.appendingPathComponent(".nextraction-ready").path
        if FileManager.default.fileExists(atPath: marker),
           (try? String(contentsOfFile: marker, encoding: .utf8)) == packages.joined(separator: " ") { return }
        BenchSupport.progress("preparing peer environment \(directory.path) (pip install \(packages.joined(separator: " "))) …")
        if !FileManager.default.fileExists(atPath: python) {
            try run(["python3", "-m", "venv", directory.path])
        }
        try run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + packages)
        try packages.joined(separator: " ").write(toFile: marker, atomically: true, encoding: .utf8)
    }

    /// Runs a peer script (a path relative to the repository, or absolute) and returns the
    /// JSON object on the last line of its output (or an empty object when `lastLineJSON` is
    /// false and the script writes its results elsewhere; its output then goes to stderr).
    @discardableResult
    func runScript(_ script: String, arguments: [String], lastLineJSON: Bool = true) throws -> [String: Any] {
        let path = script.hasPrefix("/") ? script : BenchSupport.repositoryRoot.appendingPathComponent(script).path
        let output = try run([python, path] + arguments, capture: true)
        if !lastLineJSON {
            BenchSupport.progress(output)
            return [:]
        }
        guard let last = output.split(separator: "\n").last,
              let object = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any] else {
            throw PeerError.badOutput(script, output)
        }
        return object
    }

    @discardableResult
    private func run(_ arguments: [String], capture: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HF_HUB_OFFLINE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        let pipe = Pipe()
        if capture { process.standardOutput = pipe }
        process.standardError = FileHandle.standardError
        try process.run()
        let data = capture ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PeerError.failed(arguments.joined(separator: " "), process.terminationStatus) }
        return String(decoding: data, as: UTF8.self)
    }

    enum PeerError: Error, CustomStringConvertible {
        case failed(String, Int32)
        case badOutput(String, String)
        var description: String {
            switch self {
            case .failed(let command, let status): return "peer command failed with status \(status): \(command)"
            case .badOutput(let script, let output): return "\(script) printed no JSON object: \(output.suffix(500))"
            }
        }
    }
}
