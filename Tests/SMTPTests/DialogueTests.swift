// Every scripted dialogue in Tests/Dialogues against the session state machine.
import Foundation
import Testing

@Suite struct DialogueTests {
    static let directory = String(#filePath.split(separator: "/Tests/").first!) + "/Tests/Dialogues"
    static let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasSuffix(".dialogue") }.sorted()

    @Test func thereAreDialogues() {
        #expect(Self.files.count >= 20)
    }

    @Test(arguments: files)
    func dialogue(file: String) throws {
        let dialogue = try Dialogue(file: Self.directory + "/" + file)
        let failure = dialogue.run()
        #expect(failure == nil, "\(failure ?? "")")
    }
}
