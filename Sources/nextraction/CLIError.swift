/// A failure to report to the user as one line (`Error: ...`), without the usage text that
/// ArgumentParser prints for `ValidationError`s.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
