// Queue IDs sort by time, avoid vowels and reject anything that is not one.
import MailCore
import Testing

@Suite struct QueueIDTests {
    @Test func idsFromOneGeneratorStrictlyIncreaseEvenWithinOneMicrosecond() {
        var generator = QueueIDGenerator()
        var previous = generator.next(now: 1_000_000, random: .max)
        for _ in 0..<1000 {
            let next = generator.next(now: 1_000_000, random: 0)
            #expect(previous < next)
            previous = next
        }
    }

    @Test func idsAreFourteenVowelFreeCharacters() {
        let id = QueueID(microseconds: 1_795_971_919_000_000, random: 123_456)
        #expect(id.rawValue.count == 14)
        #expect(!id.rawValue.contains { "aeiouAEIOU".contains($0) })
        #expect(QueueID(id.rawValue) == id)
    }

    @Test(arguments: ["", "short", "../../etc/pass", "0000000000BCDA", "0000000000BCDFG"])
    func malformedTextIsNotAnID(text: String) {
        #expect(QueueID(text) == nil)
    }
}
