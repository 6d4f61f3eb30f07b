import CCurl
import CLibXML2
import Testing

/// The C shims compile against the system headers (libxml2 with ICU, curl's variadic API)
/// and their wrappers call through correctly.
@Suite("C shims")
struct ShimTests {
    @Test("libxml2 parses broken HTML in recover mode and the xmlFree wrapper frees its strings")
    func libxml2() throws {
        nex_xml_silence_errors()
        let html = "<html><head><title>T&amp;C</title></head><body><p>one<p>two</body>"
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue)
        let document = try #require(html.withCString { htmlReadMemory($0, Int32(html.utf8.count), "", "utf-8", options) })
        defer { xmlFreeDoc(document) }
        let root = try #require(xmlDocGetRootElement(document))
        let content = try #require(xmlNodeGetContent(root))
        let text = String(cString: content)
        nex_xml_free(content)
        #expect(text.contains("T&C"))
        #expect(text.contains("one") && text.contains("two"))
    }

    @Test("curl's typed setters accept options and reject an unknown one")
    func curl() throws {
        #expect(nex_curl_global_init() == CURLE_OK)
        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        #expect(nex_curl_set_string(handle, CURLOPT_URL, "http://127.0.0.1:1/") == CURLE_OK)
        #expect(nex_curl_set_long(handle, CURLOPT_TIMEOUT_MS, 500) == CURLE_OK)
        #expect(nex_curl_set_long(handle, CURLoption(rawValue: 99_999), 1) != CURLE_OK)
        var url: UnsafeMutablePointer<CChar>?
        #expect(nex_curl_get_string(handle, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK)
    }
}
