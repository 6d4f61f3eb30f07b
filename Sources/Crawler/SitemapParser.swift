import CLibXML2
import Foundation

/// Reads sitemaps (sitemaps.org protocol): a `<urlset>` lists page URLs, a `<sitemapindex>`
/// lists further sitemaps. gzip-compressed files are inflated first. Parsed with libxml2,
/// network access off; element names are matched without their namespace.
public enum SitemapParser {
    public enum Content: Sendable, Equatable {
        case pages([String])
        case sitemaps([String])
    }

    /// Parses one sitemap file; nil when it is neither a urlset nor a sitemap index.
    public static func parse(_ data: Data, maxEntries: Int = 50_000) -> Content? {
        var bytes = data
        if Gzip.isCompressed(bytes) {
            guard let inflated = try? Gzip.decompress(bytes, limit: 50 << 20) else { return nil }
            bytes = inflated
        }
        nex_xml_silence_errors()
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_RECOVER.rawValue)
        let document: xmlDocPtr? = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return nil }
            return xmlReadMemory(base.assumingMemoryBound(to: CChar.self), Int32(raw.count), "sitemap.xml", nil, options)
        }
        guard let document else { return nil }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { return nil }
        let rootName = XMLNode.name(root)
        let itemName: String
        switch rootName {
        case "urlset": itemName = "url"
        case "sitemapindex": itemName = "sitemap"
        default: return nil
        }
        var locations: [String] = []
        var child = root.pointee.children
        while let node = child, locations.count < maxEntries {
            if node.pointee.type == XML_ELEMENT_NODE, XMLNode.name(node) == itemName {
                var field = node.pointee.children
                while let entry = field {
                    if entry.pointee.type == XML_ELEMENT_NODE, XMLNode.name(entry) == "loc" {
                        let location = XMLNode.text(entry).trimmingCharacters(in: .whitespacesAndNewlines)
                        if !location.isEmpty { locations.append(location) }
                    }
                    field = entry.pointee.next
                }
            }
            child = node.pointee.next
        }
        return rootName == "urlset" ? .pages(locations) : .sitemaps(locations)
    }
}

/// Small helpers over libxml2 nodes (the only place node memory is touched).
enum XMLNode {
    /// The element's local name, lowercased.
    static func name(_ node: xmlNodePtr) -> String {
        guard let name = node.pointee.name else { return "" }
        return String(cString: name).lowercased()
    }

    /// The text content of a node and its descendants.
    static func text(_ node: xmlNodePtr) -> String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { nex_xml_free(content) }
        return String(cString: content)
    }

    /// An attribute value, if present.
    static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { nex_xml_free(value) }
        return String(cString: value)
    }
}
