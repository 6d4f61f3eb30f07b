import ArgumentParser
import Retrieval

/// `--set name=value` overrides of the retrieval settings, for evaluation and tuning runs.
struct RetrievalSettings: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a retrieval setting for this run (repeatable), e.g. page_title_weight=0.2.",
                                                         valueName: "name=value"))
    var settings: [String] = []

    /// `base` with the overrides applied.
    func apply(to base: RetrievalConfiguration) throws -> RetrievalConfiguration {
        var configuration = base
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--set takes name=value, got \(setting)") }
            do { try configuration.set(parts[0], parts[1]) } catch { throw ValidationError("\(error)") }
        }
        return configuration
    }
}
