import NexNumerics
import Testing

@Suite("Top-k selection")
struct TopKTests {
    @Test("equals the first k of a full sort (score descending, index ascending)",
          arguments: [1, 5, 10, 100, 999, 1000, 1500])
    func matchesFullSort(k: Int) {
        // Quantised values create many ties, which must break towards the smaller index.
        let values = randomValues(1000, seed: UInt64(k)).map { ($0 * 50).rounded() / 50 }
        let expected = values.enumerated()
            .sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
            .prefix(k)
        let selected = TopK.select(values, k: k)
        #expect(selected.count == min(k, values.count))
        #expect(selected.map(\.index) == expected.map(\.offset))
        #expect(selected.map(\.score) == expected.map(\.element))
    }

    @Test("pads with id −1 when fewer than k candidates were offered")
    func padding() {
        var heap = TopK(k: 4)
        heap.push(score: 0.5, id: 7)
        heap.push(score: 0.9, id: 3)
        let result = heap.sorted()
        #expect(result.ids == [3, 7, -1, -1])
        #expect(result.scores[0] == 0.9 && result.scores[1] == 0.5)
        #expect(result.scores[2] == -.infinity)
    }

    @Test("block pushes with running ids equal single pushes")
    func blockPush() {
        let values = randomValues(5000, seed: 11)
        var single = TopK(k: 10)
        for (i, value) in values.enumerated() { single.push(score: value, id: Int64(100 + i)) }
        var block = TopK(k: 10)
        values.withUnsafeBufferPointer { buffer in
            block.push(scores: buffer.baseAddress!, count: 2000, firstID: 100)
            block.push(scores: buffer.baseAddress! + 2000, count: 3000, firstID: 2100)
        }
        #expect(single.sorted().ids == block.sorted().ids)
    }

    @Test("k = 0 keeps nothing")
    func zero() {
        var heap = TopK(k: 0)
        heap.push(score: 1, id: 1)
        #expect(heap.sorted().ids.isEmpty)
    }
}
