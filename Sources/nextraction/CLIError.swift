import Foundation

/// A failure to report to the user as one line (`Error: ...`), without the usage text that
/// ArgumentParser prints for `ValidationError`s.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// A line on standard error (a warning that must not mix with the command's output).
func printError(_ message: String) {
    fflush(nil)
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
