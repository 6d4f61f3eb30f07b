import Foundation
@testable import Orchestrator
import PlanFormat
import Testing

@Suite("Plan validation")
struct PlanValidatorTests {
    func parse(_ json: String) throws -> Plan { try PlanValidator.parse(Data(json.utf8)) }

    func message(_ json: String) -> String? {
        do {
            _ = try parse(json)
            return nil
        } catch let error as PlanError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    @Test("a diamond is valid; defaults fill title and depends_on")
    func valid() throws {
        let plan = try parse("""
            {"title": "d", "steps": [{"id": "a", "prompt": "p"}, {"id": "b", "prompt": "p", "depends_on": ["a"]},
             {"id": "c", "prompt": "p", "depends_on": ["a"], "context": {"collection": "docs", "top_k": 3}},
             {"id": "d", "prompt": "p", "depends_on": ["b", "c"], "max_tokens": 100}]}
            """)
        #expect(plan.steps.map(\.id) == ["a", "b", "c", "d"])
        #expect(plan.steps[0].title == "a" && plan.steps[0].dependsOn.isEmpty)
        #expect(plan.steps[2].context == Plan.Context(collection: "docs", topK: 3))
        #expect(PlanExecutor.dependants(of: "a", in: plan) == ["b", "c", "d"])
        #expect(PlanExecutor.dependants(of: "c", in: plan) == ["d"])
    }

    @Test("cycles are refused and named; so are unknown, self and duplicate ids and oversized plans")
    func invalid() {
        #expect(message("""
            {"title": "t", "steps": [{"id": "a", "prompt": "p", "depends_on": ["c"]}, {"id": "b", "prompt": "p", "depends_on": ["a"]},
             {"id": "c", "prompt": "p", "depends_on": ["b"]}, {"id": "d", "prompt": "p"}]}
            """) == "the plan has a cycle: a → c → b → a")
        #expect(message(#"{"title": "t", "steps": [{"id": "a", "prompt": "p", "depends_on": ["x"]}]}"#) == "step a depends on unknown step x")
        #expect(message(#"{"title": "t", "steps": [{"id": "a", "prompt": "p", "depends_on": ["a"]}]}"#) == "step a depends on itself")
        #expect(message(#"{"title": "t", "steps": [{"id": "a", "prompt": "p"}, {"id": "a", "prompt": "q"}]}"#) == "step id a is used twice")
        #expect(message(#"{"title": "t", "steps": []}"#) == "a plan needs at least one step")
        #expect(message(#"{"title": "", "steps": [{"id": "a", "prompt": "p"}]}"#) == "title must be 1 to 200 characters")
        #expect(message(#"{"title": "t", "steps": [{"id": "a b", "prompt": "p"}]}"#)?.contains("must be 1 to 64 letters") == true)
        #expect(message(#"{"title": "t", "steps": [{"id": "a", "prompt": "p", "max_tokens": 0}]}"#) == "step a: max_tokens must be between 1 and 4096")
        #expect(message(#"{"title": "t", "steps": [{"id": "a"}]}"#) == "missing field steps.[0].prompt")
        let many = (0...PlanValidator.maxSteps).map { #"{"id": "s\#($0)", "prompt": "p"}"# }.joined(separator: ",")
        #expect(message(#"{"title": "t", "steps": [\#(many)]}"#) == "a plan has at most \(PlanValidator.maxSteps) steps")
    }
}
