@testable import Crawler
import Foundation
import TestSupport
import TextKit
import XCTest

/// Uploaded documents read with the real libraries (poppler, cmark-gfm, ZIPFoundation +
/// libxml2) from real files: PDFs printed by Chromium, an encrypted one made by qpdf.
final class DocumentReaderTests: XCTestCase {
    func headings(_ part: ReadDocument.Part) -> [String] {
        part.blocks.compactMap { if case .heading = $0.kind { $0.text } else { nil } }
    }

    func testPDFPagesKeepTheirHeadingsParagraphsAndCode() throws {
        if let missing = DocumentFixtures.pdfToolsMissing { throw XCTSkip(missing) }
        let directory = try TemporaryDirectory()
        let pdf = try DocumentFixtures.printPDF("harbor-manual.html", into: directory)
        XCTAssertEqual(try DocumentKind.detect(name: "manual.bin", mediaType: nil, bytes: pdf), .pdf, "a PDF is known by its content")
        let document = try DocumentReader.read(pdf, name: "manual.pdf", kind: .pdf)
        XCTAssertEqual(document.parts.map(\.anchor), ["#page=1", "#page=2"], "one part per page (the fixture breaks the page before Troubleshooting)")
        XCTAssertEqual(document.parts.first?.title, "Harbor Lights Operations Manual", "the title Chromium wrote into the PDF")
        let first = try XCTUnwrap(document.parts.first)
        XCTAssertEqual(headings(first), ["Harbor Lights Operations Manual", "Installing the controller", "Maintenance schedule"])
        XCTAssertTrue(first.blocks.contains { $0.kind == .heading(level: 2) && $0.text == "Installing the controller" })
        XCTAssertTrue(first.blocks.contains { $0.kind == .code && $0.text.contains("ctl --init --beacon 7\nctl --status") },
                      "monospaced lines stay one code block with their line breaks")
        XCTAssertTrue(first.blocks.contains { $0.kind == .listItem && $0.text == "Check the fuse rating before powering on." })
        let second = try XCTUnwrap(document.parts.last)
        XCTAssertEqual(headings(second).prefix(1), ["Harbor Lights Operations Manual"], "a page starts under the heading it continues")
        XCTAssertTrue(second.blocks.contains { $0.kind == .heading(level: 3) && $0.text == "Beacon does not flash" })
        let wrapped = try XCTUnwrap(second.blocks.first { $0.text.hasPrefix("A long paragraph") })
        XCTAssertTrue(wrapped.text.hasSuffix("its content."), "wrapped lines are joined into one paragraph: \(wrapped.text)")
    }

    func testEncryptedAndTruncatedPDFsAreRefusedWithTheirReason() throws {
        if let missing = DocumentFixtures.pdfToolsMissing { throw XCTSkip(missing) }
        let directory = try TemporaryDirectory()
        let pdf = try DocumentFixtures.printPDF("harbor-manual.html", into: directory)
        let encrypted = try DocumentFixtures.encrypt(pdf, into: directory)
        XCTAssertThrowsError(try DocumentReader.read(encrypted, name: "locked.pdf", kind: .pdf)) { error in
            XCTAssertEqual((error as? DocumentError)?.code, .encrypted, "\(error)")
        }
        XCTAssertThrowsError(try DocumentReader.read(pdf.prefix(pdf.count / 2), name: "cut.pdf", kind: .pdf)) { error in
            XCTAssertEqual((error as? DocumentError)?.code, .damaged, "\(error)")
            XCTAssertTrue("\(error)".contains("truncated"))
        }
        XCTAssertThrowsError(try DocumentKind.detect(name: "report.pdf", mediaType: "application/pdf", bytes: Data("hello".utf8))) { error in
            XCTAssertEqual((error as? DocumentError)?.code, .typeMismatch, "the name alone does not make a PDF")
        }
    }

    func testMarkdownKeepsCodeBlocksAndTableRowsWithTheirColumnNames() throws {
        let bytes = try DocumentFixtures.fixture("pump-notes.md")
        XCTAssertEqual(try DocumentKind.detect(name: "pump-notes.md", mediaType: nil, bytes: bytes), .markdown)
        let document = try DocumentReader.read(bytes, name: "pump-notes.md", kind: .markdown)
        let part = try XCTUnwrap(document.parts.first)
        XCTAssertEqual(part.title, "Tidewater Pump Station Notes", "the front matter's title")
        XCTAssertFalse(part.blocks.contains { $0.text.contains("title:") }, "front matter is not content")
        XCTAssertEqual(headings(part), ["Tidewater Pump Station", "Starting the pumps", "Pump ratings", "Alarms"])
        XCTAssertTrue(part.blocks.contains { $0.kind == .code && $0.text.contains("pumpctl start --unit A --ramp 30s\npumpctl start --unit B") })
        XCTAssertTrue(part.blocks.contains { $0.kind == .tableRow && $0.text == "Pump: B; Flow rate: 310 litres per second; Motor: 55 kW" },
                      "\(part.blocks.filter { $0.kind == .tableRow })")
    }

    func testDOCXHeadingsListsAndTablesFromARealOfficeOpenXMLPackage() throws {
        let docx = try DocumentFixtures.docx(title: "Lighthouse Keeper Handbook", body: """
            <w:p><w:pPr><w:pStyle w:val="berschrift1"/></w:pPr><w:r><w:t>Daily duties</w:t></w:r></w:p>
            <w:p><w:r><w:t xml:space="preserve">Wind the clockwork </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>every four hours</w:t></w:r><w:r><w:t>.</w:t></w:r></w:p>
            <w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>Log the visibility at dawn.</w:t></w:r></w:p>
            <w:p><w:pPr><w:pStyle w:val="Heading2"/></w:pPr><w:r><w:t>Supplies</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Item</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Quantity</w:t></w:r></w:p></w:tc></w:tr>
            <w:tr><w:tc><w:p><w:r><w:t>Lamp oil</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>40 litres</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            """)
        XCTAssertEqual(try DocumentKind.detect(name: "handbook", mediaType: nil, bytes: docx), .docx)
        let part = try XCTUnwrap(try DocumentReader.read(docx, name: "handbook.docx", kind: .docx).parts.first)
        XCTAssertEqual(part.title, "Lighthouse Keeper Handbook")
        XCTAssertEqual(part.blocks, [
            TextBlock(.heading(level: 1), "Daily duties"),
            TextBlock(.paragraph, "Wind the clockwork every four hours."),
            TextBlock(.listItem, "Log the visibility at dawn."),
            TextBlock(.heading(level: 2), "Supplies"),
            TextBlock(.tableRow, "Item: Lamp oil; Quantity: 40 litres"),
        ])
    }

    func hostileDOCX(doctype: String, body: String) throws -> Data {
        try DocumentFixtures.docx(title: "Hostile", documentXML: """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE w:document [\(doctype)]>
            <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>\(body)
            <w:p><w:r><w:t>The ordinary paragraph is still read.</w:t></w:r></w:p></w:body></w:document>
            """)
    }

    func testHostileDOCXNeitherReadsLocalFilesNorExpandsEntities() throws {
        // An external entity pointing at a local file (XXE): the document is read, the file is not.
        let xxe = try hostileDOCX(doctype: #"<!ENTITY secret SYSTEM "file:///etc/passwd">"#,
                                  body: "<w:p><w:r><w:t>Before &secret; after.</w:t></w:r></w:p>")
        let text = try DocumentReader.read(xxe, name: "xxe.docx", kind: .docx).parts.flatMap(\.blocks).map(\.text).joined(separator: "\n")
        XCTAssertTrue(text.contains("The ordinary paragraph is still read."), text)
        XCTAssertFalse(text.contains("root:"), "a local file was read through an external entity")
        // Nested entities that would expand to gigabytes (billion laughs): refused as damaged
        // rather than expanded (libxml2's amplification guard; we never ask for substitution).
        let laughs = (1...9).map { level in
            "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">"
        }.joined()
        let bomb = try hostileDOCX(doctype: #"<!ENTITY lol0 "lol">"# + laughs, body: "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>")
        XCTAssertThrowsError(try DocumentReader.read(bomb, name: "laughs.docx", kind: .docx)) { error in
            XCTAssertEqual((error as? DocumentError)?.code, .damaged, "\(error)")
        }
    }

    func testPlainTextAndTypeChecks() throws {
        let text = try DocumentFixtures.fixture("ferry-timetable.txt")
        let part = try XCTUnwrap(try DocumentReader.read(text, name: "ferry.txt", kind: .text).parts.first)
        XCTAssertEqual(part.title, "Ferry Crossing Notes")
        XCTAssertEqual(part.blocks.last?.text,
                       "Boarding closes ten minutes before departure. Bicycles travel free on the lower deck, and dogs must stay on a lead in the outside seating area.")
        XCTAssertEqual(try DocumentKind.detect(name: "page.txt", mediaType: nil, bytes: Data("<!DOCTYPE html><p>x".utf8)), .html)
        XCTAssertThrowsError(try DocumentKind.detect(name: "photo.txt", mediaType: nil, bytes: Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 1]))) { error in
            XCTAssertEqual((error as? DocumentError)?.code, .unsupportedType)
        }
        XCTAssertThrowsError(try DocumentKind.detect(name: "empty.md", mediaType: nil, bytes: Data())) { error in
            XCTAssertEqual((error as? DocumentError)?.code, .empty)
        }
    }
}

/// The PDF layout rules on lines as poppler gives them (position, font), without a PDF.
final class PDFLayoutTests: XCTestCase {
    func line(_ text: String, top: Double, size: Double = 10, left: Double = 72) -> PDFReader.Line {
        PDFReader.Line(text: text, top: top, bottom: top + size, left: left, right: left + Double(text.count) * size * 0.5,
                       fontSize: size, monospaced: false)
    }

    func testRunningHeadersAndPageNumbersAreDropped() {
        // A chapter title heads each of its three pages; page numbers close them; the body sits between.
        let words = ["one", "two", "three"]
        let pages = (1...3).map { page in
            [line("Chapter 2: Structures", top: 20), line("The body of page \(words[page - 1]) says something.", top: 60),
             line(page == 2 ? "- \(page) -" : "\(page)", top: 760)]
        }
        let document = PDFLayout(pages: pages).document(declaredTitle: nil, fallbackTitle: "manual")
        XCTAssertEqual(document.parts.map { $0.blocks.map(\.text) }, words.map { ["The body of page \($0) says something."] })
        XCTAssertTrue(PDFLayout.isPageNumber("xii") && PDFLayout.isPageNumber("Page 4") && PDFLayout.isPageNumber("3 of 40"))
        XCTAssertFalse(PDFLayout.isPageNumber("2 ASN.1 structure handling") || PDFLayout.isPageNumber("civic"))
    }
}
