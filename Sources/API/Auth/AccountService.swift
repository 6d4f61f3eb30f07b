import Foundation
import Storage

/// Account creation shared by `POST /auth/register` and `nextraction user create`.
public enum AccountService {
    /// Validates the credentials (422 `APIError`s), hashes the password with bcrypt and
    /// stores the account (`StorageError.emailTaken` when the email exists in any case).
    public static func createUser(
        email rawEmail: String, password: String, database: any AccountStore, passwords: PasswordHasher
    ) async throws -> UserRecord {
        let email = try CredentialRules.validEmail(rawEmail)
        try CredentialRules.checkPassword(password)
        let hash = await passwords.hash(password)
        return try await database.createUser(email: email, passwordHash: hash)
    }
}
