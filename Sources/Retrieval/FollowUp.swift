import Foundation
import TextKit

/// Follow-up questions in a conversation ("and how do I undo it?") name their topic only by
/// reference. For retrieval and the extractive answer they are made standalone with the
/// topic words of the earlier questions; a question that names its own topic is left alone.
public enum FollowUp {
    /// Words that point back at something said before.
    static let references: Set<String> = [
        "it", "its", "that", "this", "these", "those", "they", "them", "their", "there", "one", "ones", "same", "former", "latter",
        "above", "previous", "else", "instead",
    ]
    /// Openings of a question that continues the previous one.
    static let continuations = ["and ", "but ", "also ", "so ", "then ", "or ", "what about ", "how about ", "what if ", "why not "]
    /// Topic words carried over from earlier questions, at most.
    static let carriedTerms = 8

    /// `question` made standalone after the earlier user questions `previous` (oldest first).
    public static func standalone(_ question: String, previous: [String]) -> String {
        var context = ""
        for earlier in previous { context = rewrite(earlier, context: context) }
        return rewrite(question, context: context)
    }

    /// Whether `question` leans on what came before it.
    public static func dependsOnContext(_ question: String) -> Bool {
        let lower = question.lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
        if continuations.contains(where: lower.hasPrefix) { return true }
        let words = lower.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
        if words.contains(where: references.contains) { return true }
        return QueryTerms.terms(question).count < 2
    }

    private static func rewrite(_ question: String, context: String) -> String {
        let trimmed = question.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !context.isEmpty, dependsOnContext(trimmed) else { return trimmed }
        let own = Set(QueryTerms.terms(trimmed, limit: .max))
        let carried = QueryTerms.terms(context, limit: .max).filter { !own.contains($0) }.prefix(carriedTerms)
        guard !carried.isEmpty else { return trimmed }
        return trimmed + " (" + carried.joined(separator: " ") + ")"
    }
}
