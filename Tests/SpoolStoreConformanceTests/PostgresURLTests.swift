import SpoolPostgres
import Testing

@Suite("PostgreSQL URLs")
struct PostgresURLTests {
    @Test("a TCP URL: every part read, the password masked in the description")
    func tcp() throws {
        let url = try PostgresURL("postgres://spool:s%40cret@db.example:6543/jobs?sslmode=require")
        #expect(url.user == "spool" && url.password == "s@cret" && url.host == "db.example")
        #expect(url.port == 6543 && url.database == "jobs" && url.sslMode == "require")
        #expect(url.description == "postgres://spool:***@db.example:6543/jobs?sslmode=require")
    }

    @Test("a Unix socket directory as ?host=")
    func socket() throws {
        let url = try PostgresURL("postgresql://postgres@localhost/spool?host=/run/postgresql")
        #expect(url.socketDirectory == "/run/postgresql" && url.host == nil && url.port == 5432)
        #expect(url.clientConfiguration.unixSocketPath == "/run/postgresql/.s.PGSQL.5432")
        #expect(url.description == "postgres://postgres@/spool?host=/run/postgresql")
        let other = try PostgresURL("postgres://u:pw@x/db?host=/tmp/pg&port=5999")
        #expect(other.description == "postgres://u:***@/db?host=/tmp/pg&port=5999")
        #expect(other.clientConfiguration.unixSocketPath == "/tmp/pg/.s.PGSQL.5999")
    }

    @Test(
        "bad URLs are refused with the part to fix, never echoing the password",
        arguments: [
            ("mysql://u:pw-123@h/db", "expected postgres://"), ("postgres://:pw-123@h/db", "no user"),
            ("postgres://u:pw-123@h/", "no database"), ("postgres://u:pw-123@h/db?sslmode=maybe", "sslmode"),
            ("postgres://u:pw-123@h/db?host=relative", "absolute"), ("postgres://u:pw-123@h/db?colour=red", "colour"),
        ])
    func refused(text: String, expected: String) throws {
        let error = #expect(throws: PostgresURLError.self) { try PostgresURL(text) }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains("pw-123"))
    }
}
