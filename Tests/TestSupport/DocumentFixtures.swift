import Foundation
import ZIPFoundation

/// Real documents for the upload tests, made the way users make them: PDFs printed by
/// headless Chromium from fixture HTML, an encrypted copy made by qpdf, a Word document
/// assembled as the ZIP of Office Open XML parts that Word writes.
public enum DocumentFixtures {
    /// `Tests/Fixtures/documents`.
    public static var directory: URL {
        BuildProducts.repositoryRoot.appendingPathComponent("Tests/Fixtures/documents")
    }

    public static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let qpdf = "/usr/bin/qpdf"

    /// Why the PDF fixtures cannot be made here (nil when they can).
    public static var pdfToolsMissing: String? {
        if chromium == nil { return "Chromium is not installed (make test installs it)" }
        if !FileManager.default.isExecutableFile(atPath: qpdf) { return "qpdf is not installed (make test installs it)" }
        return nil
    }

    /// Chromium's print-to-PDF of a fixture HTML file (no header or footer), written to `directory`.
    public static func printPDF(_ htmlFixture: String, into directory: TemporaryDirectory) throws -> Data {
        guard let chromium else { throw FixtureError.missingTool("chromium") }
        let output = directory.appending((htmlFixture as NSString).deletingPathExtension + ".pdf")
        let input = Self.directory.appendingPathComponent(htmlFixture).path
        let result = try runProgram(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                                               "--user-data-dir=\(directory.appending("chromium-profile"))",
                                               "--print-to-pdf=\(output)", input])
        guard let data = FileManager.default.contents(atPath: output), !data.isEmpty else {
            throw FixtureError.failed("chromium printed no PDF: \(result.output.suffix(500))")
        }
        return data
    }

    /// The PDF encrypted with AES-256 and a user password (poppler cannot open it without).
    public static func encrypt(_ pdf: Data, into directory: TemporaryDirectory) throws -> Data {
        let input = directory.appending("plain-\(UUID().uuidString).pdf"), output = directory.appending("encrypted-\(UUID().uuidString).pdf")
        try pdf.write(to: URL(fileURLWithPath: input))
        let result = try runProgram(qpdf, ["--encrypt", "secret-user", "secret-owner", "256", "--", input, output])
        guard let data = FileManager.default.contents(atPath: output) else { throw FixtureError.failed("qpdf: \(result.output)") }
        return data
    }

    /// A .docx: `body` is the inside of `<w:body>` (WordprocessingML), with the styles part
    /// declaring Heading 1–2 as Word does (localised style ids, headings by outline level).
    public static func docx(title: String, body: String) throws -> Data {
        try docx(title: title, documentXML: """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <w:document xmlns:w="\(wordNamespace)"><w:body>\(body)<w:sectPr/></w:body></w:document>
            """)
    }

    static let wordNamespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    /// A .docx whose main part is exactly `documentXML` (hostile documents included).
    public static func docx(title: String, documentXML: String) throws -> Data {
        let w = wordNamespace
        let parts: [(String, String)] = [
            ("[Content_Types].xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
                <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
                <Default Extension="xml" ContentType="application/xml"/>
                <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
                <Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
                <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
                </Types>
                """),
            ("_rels/.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
                <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
                </Relationships>
                """),
            ("docProps/core.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>\(title)</dc:title></cp:coreProperties>
                """),
            ("word/styles.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <w:styles xmlns:w="\(w)">
                <w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
                <w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
                <w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
                </w:styles>
                """),
            ("word/document.xml", documentXML),
        ]
        let archive = try Archive(accessMode: .create)
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw FixtureError.failed("ZIPFoundation gave no archive data") }
        return data
    }

    public enum FixtureError: Error {
        case missingTool(String)
        case failed(String)
    }
}
