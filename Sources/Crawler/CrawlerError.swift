/// Errors and skip reasons of the crawler.
public enum CrawlerError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case unsupportedScheme(String)
    case decompression(String)

    public var description: String {
        switch self {
        case .invalidURL(let url): return "invalid URL: \(url)"
        case .unsupportedScheme(let url): return "only http and https URLs can be crawled: \(url)"
        case .decompression(let reason): return "cannot decompress: \(reason)"
        }
    }
}
