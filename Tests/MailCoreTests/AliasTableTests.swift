// The aliases file: the familiar format, and what it refuses (pipes, files, includes).
import MailCore
import Testing

@Suite struct AliasTableTests {
    @Test func readsNamesTargetsCommentsAndContinuations() {
        let table = AliasTable.parse("""
            # the usual ones
            postmaster: root
            Team: Alice, bob,
              carol@localhost,
            \tfriend@elsewhere.example
            abuse:<abuse@example.net>

            """)
        #expect(table.targets(of: "postmaster") == ["root"])
        #expect(table.targets(of: "TEAM") == ["alice", "bob", "carol@localhost", "friend@elsewhere.example"])
        #expect(table.targets(of: "abuse") == ["abuse@example.net"])
        #expect(table.targets(of: "root") == nil)
        #expect(table.problems.isEmpty)
    }

    @Test func refusesPipesFilesIncludesAndBadNames() {
        let table = AliasTable.parse("""
            run: |/usr/bin/evil, bob
            quoted: "|/bin/sh -c x"
            file: /tmp/x
            inc: :include:/etc/list
            ../x: bob
            a/b: bob
            nocolon bob
            bad: not an address@x
            bob: carol
            bob: dave
            """)
        #expect(table.targets(of: "run") == ["bob"])
        #expect(table.targets(of: "bob") == ["carol"])
        for name in ["quoted", "file", "inc", "../x", "a/b", "bad"] { #expect(table.targets(of: name) == nil, "\(name)") }
        #expect(table.problems.map(\.line) == [1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8, 8, 10])
        #expect(table.problems[0].reason.contains("pipes to commands are not supported"))
        #expect(table.problems[3].reason.contains("file targets are not supported"))
        #expect(table.problems[5].reason.contains("include files are not supported"))
    }
}
