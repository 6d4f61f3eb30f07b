import Foundation

/// Runs the CLI to completion, feeding `stdin`, and returns its exit status and output.
public func runCLI(_ arguments: [String], stdin: String = "", environment: [String: String] = ["NEX_BCRYPT_COST": "4"]) throws -> (status: Int32, output: String) {
    try runProgram(BuildProducts.nextraction, arguments, stdin: stdin, environment: environment)
}

/// Runs `executable` to completion, feeding `stdin`; returns its exit status and its
/// standard output and error, interleaved.
public func runProgram(_ executable: String, _ arguments: [String], stdin: String = "", environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// `runProgram` on a thread of its own, so a long run does not hold one of the few threads
/// that run the (parallel) tests.
public func runProgramAsync(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws
    -> (status: Int32, output: String) {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try runProgram(executable, arguments, environment: environment) })
        }
    }
}

/// `runProgram` on a thread of its own, for async tests whose program talks to a server in
/// this process: blocking one of the (few) cooperative threads while the program waits for
/// that server's handlers, which need those threads, would stall every test.
public func runProgramOffPool(_ executable: String, _ arguments: [String], stdin: String = "",
                              environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            do {
                continuation.resume(returning: try runProgram(executable, arguments, stdin: stdin, environment: environment))
            } catch {
                continuation.resume(throwing: error)
            }
        }.start()
    }
}
