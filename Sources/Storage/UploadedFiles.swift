import Foundation
import GRDB
import PostgresNIO

/// One uploaded file: its name as uploaded, its kind (as detected from its content) and its bytes.
public struct UploadedFile: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var bytes: Data

    public init(name: String, kind: String, bytes: Data) {
        self.name = name
        self.kind = kind
        self.bytes = bytes
    }
}

extension AppDatabase {
    public func storeUploads(batch: String, files: [UploadedFile], at date: Date) throws {
        try write { db in
            for file in files {
                try db.execute(sql: "INSERT INTO upload_file (batch, name, kind, bytes, created_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [batch, file.name, file.kind, file.bytes, date])
            }
        }
    }

    public func uploads(batch: String) throws -> [UploadedFile] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT name, kind, bytes FROM upload_file WHERE batch = ? ORDER BY id", arguments: [batch]).map {
                UploadedFile(name: $0["name"], kind: $0["kind"], bytes: $0["bytes"])
            }
        }
    }

    public func deleteUploads(batch: String) throws {
        try write { db in try db.execute(sql: "DELETE FROM upload_file WHERE batch = ?", arguments: [batch]) }
    }

    public func purgeUploads(before date: Date) throws -> Int {
        try write { db in
            try db.execute(sql: """
                DELETE FROM upload_file WHERE created_at < ? AND NOT EXISTS (
                    SELECT 1 FROM job WHERE job.kind = 'upload' AND job.status IN ('queued', 'running') AND instr(job.params, upload_file.batch) > 0)
                """, arguments: [date])
            return db.changesCount
        }
    }
}

extension PostgresStore: UploadStore {
    public func storeUploads(batch: String, files: [UploadedFile], at date: Date) async throws {
        for file in files {
            try await execute("""
                INSERT INTO upload_file (batch, name, kind, bytes, created_at) VALUES (\(batch), \(file.name), \(file.kind), \(file.bytes), \(date))
                """)
        }
    }

    public func uploads(batch: String) async throws -> [UploadedFile] {
        try await rows("SELECT name, kind, bytes FROM upload_file WHERE batch = \(batch) ORDER BY id").map { row in
            let (name, kind, bytes) = try row.decode((String, String, Data).self)
            return UploadedFile(name: name, kind: kind, bytes: bytes)
        }
    }

    public func deleteUploads(batch: String) async throws {
        try await execute("DELETE FROM upload_file WHERE batch = \(batch)")
    }

    public func purgeUploads(before date: Date) async throws -> Int {
        try await rows("""
            DELETE FROM upload_file WHERE created_at < \(date) AND NOT EXISTS (
                SELECT 1 FROM job WHERE job.kind = 'upload' AND job.status IN ('queued', 'running') AND strpos(job.params, upload_file.batch) > 0)
            RETURNING id
            """).count
    }
}
