// Ages and waits in status lines: the largest whole unit.
import MailCore
import Testing

@Suite struct ShortDurationTests {
    @Test(arguments: [(-5, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (7199, "119m"), (7200, "2h"), (172_800, "2d")])
    func text(seconds: Int64, expected: String) {
        #expect(ShortDuration.text(seconds: seconds) == expected)
    }
}
