import BenchCore
import Testing

@testable import TimescaleBench

@Suite("postgresql:// URLs")
struct PostgresURLTests {
    @Test func partsAreReadAndDecoded() throws {
        let url = try PostgresURL("postgresql://bench:p%40ss@[::1]:6432/ana%2Dlytics?sslmode=require", command: "x")
        #expect(url.user == "bench" && url.password == "p@ss" && url.host == "::1" && url.port == 6432)
        #expect(url.database == "ana-lytics" && url.sslMode == "require")
        let socket = try PostgresURL("postgres://%2Fvar%2Frun%2Fpostgresql/db", command: "x")
        #expect(socket.host == "/var/run/postgresql" && socket.user == nil && socket.port == nil)
        let query = try PostgresURL("postgres:///db?host=/tmp&port=5433&user=u", command: "x")
        #expect(query.host == "/tmp" && query.port == 5433 && query.user == "u")
    }

    @Test(arguments: [
        ("mysql://h/db", "has another scheme"), ("postgresql://[::1/db", "has an unclosed ["),
        ("postgresql://[::1]x/db", "has text after the ]"), ("postgresql://h:0/db", "has a port that is not"),
        ("postgresql://u:%zz@h/db", "has a badly escaped password"),
        ("postgresql://h/db?sslmode", "has a parameter without a value"),
        ("postgresql://h/db?options=-c", "has the parameter 'options'"),
    ])
    func badURLsSayWhatIsWrongWithoutRepeatingThem(text: String, reason: String) {
        do {
            _ = try PostgresURL(text, command: "dbbench timescale")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message.hasPrefix("dbbench timescale: --url (or DATABASE_URL) \(reason)"), "\(error.message)")
            #expect(!error.message.contains(text))
        }
    }
}
