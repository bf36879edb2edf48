import IOLoop
import TestSupport
import Testing

@testable import Postgres

func onLoop<T: Sendable>(_ body: @escaping @Sendable (IOLoop) async throws -> T) async throws -> T {
    let loop = try IOLoop()
    defer { loop.shutdown() }
    return try await Task(executorPreference: loop) { try await body(loop) }.value
}

func testEndpoint(
    port: Int? = TestServices.postgresPort,
    password: String? = TestServices.postgresPassword
) throws -> PostgresEndpoint {
    let address = try SocketAddress.resolve(host: "127.0.0.1", port: port ?? 5432)[0]
    return PostgresEndpoint(
        host: "127.0.0.1",
        address: address,
        port: port ?? 5432,
        database: "analytics",
        user: "postgres",
        password: password,
        connectTimeout: .seconds(5),
        ioTimeout: .seconds(10)
    )
}

@Suite(
    "PostgreSQL connection (real server)",
    .enabled(if: TestServices.hasPostgres, "needs the servers of 'make test'")
)
struct PostgresConnectionTests {
    @Test func queriesReturnTextRowsAndThrowServerErrors() async throws {
        let (rows, error) = try await onLoop { loop -> ([[String?]], PostgresError?) in
            let connection = try await PostgresConnection.connect(to: try testEndpoint(), on: loop)
            let rows = try await connection.query("SELECT $1::int + 1, NULL::text, 'x'", ["41"])
            do {
                try await connection.query("SELECT 1/0")
                return (rows, nil)
            } catch let error as PostgresError {
                return (rows, error)
            }
        }
        #expect(rows == [["42", nil, "x"]])
        guard case .server(let serverError) = error else {
            Issue.record("expected a server error, got \(String(describing: error))")
            return
        }
        #expect(serverError.sqlState == "22012")
        #expect(serverError.message == "division by zero")
    }

    @Test func copyAndPreparedInsertStoreTheEncodedValues() async throws {
        let stored = try await onLoop { loop -> [[String?]] in
            let connection = try await PostgresConnection.connect(to: try testEndpoint(), on: loop)
            try await connection.query("CREATE TEMP TABLE t (n NUMERIC(10,6), at TIMESTAMPTZ, s TEXT, j JSONB, i INT)")
            var rows = BinaryRows()
            rows.beginCopy()
            rows.beginRow(fieldCount: 5)
            rows.numeric(unscaled: 12345, scale: 6)
            rows.timestamp(unixMicroseconds: 1_700_000_000_123_456)
            rows.text(Array("héllo".utf8))
            rows.jsonb(Array("{\"a\": 1}".utf8))
            rows.int32(-7)
            rows.endCopy()
            let copied = try await connection.copyIn("COPY t FROM STDIN (FORMAT binary)", data: rows.bytes)
            #expect(copied == .ok(rows: 1))

            var parameters = BinaryRows()
            parameters.beginRow(fieldCount: 5)
            parameters.numeric(unscaled: 499_999_999, scale: 6)
            parameters.timestamp(unixMicroseconds: 0)
            parameters.text([])
            parameters.jsonb(Array("[]".utf8))
            parameters.null()
            try await connection.prepare("ins", "INSERT INTO t VALUES ($1, $2, $3, $4, $5)")
            #expect(try await connection.executePrepared("ins", binaryRows: parameters) == .ok(rows: 1))
            try await connection.query("SET TIME ZONE 'UTC'")
            return try await connection.query("SELECT n::text, at::text, s, j::text, i::text FROM t ORDER BY n")
        }
        #expect(
            stored == [
                ["0.012345", "2023-11-14 22:13:20.123456+00", "héllo", "{\"a\": 1}", "-7"],
                ["499.999999", "1970-01-01 00:00:00+00", "", "[]", nil],
            ]
        )
    }

    @Test func serverErrorsOfBenchmarkCommandsAreValues() async throws {
        let outcomes = try await onLoop { loop -> [PostgresOutcome] in
            let connection = try await PostgresConnection.connect(to: try testEndpoint(), on: loop)
            try await connection.prepare("boom", "SELECT 1 / (random() * 0)::int")
            try await connection.prepare("one", "SELECT generate_series(1, 3)")
            return [try await connection.executePrepared("boom"), try await connection.executePrepared("one")]
        }
        #expect(outcomes[0] == .failed(PostgresServerError(sqlState: "22012", message: "division by zero")))
        #expect(outcomes[1] == .ok(rows: 3))
    }

    /// libpq reads at most its free buffer space at a time, and the socket is edge-triggered: a result
    /// far larger than that buffer must still arrive whole, and long before the I/O timeout.
    @Test func largeResultsArriveWholeBeforeTheTimeout() async throws {
        let (outcomes, seconds) = try await onLoop { loop -> ([PostgresOutcome], Double) in
            var endpoint = try testEndpoint()
            endpoint.ioTimeout = .seconds(3)
            let connection = try await PostgresConnection.connect(to: endpoint, on: loop)
            try await connection.prepare("big", "SELECT g, repeat('x', 100) FROM generate_series(1, $1::int) g")
            try await connection.prepare("one", "SELECT 1")
            let started = monotonicNanoseconds()
            var outcomes: [PostgresOutcome] = []
            var parameters = TextParameters()
            for rows in [20_000, 50_000, 3] {
                parameters.removeAll()
                parameters.append(rows)
                outcomes.append(try await connection.executePrepared("big", parameters: parameters))
                outcomes.append(try await connection.executePrepared("one"))
            }
            return (outcomes, Double(monotonicNanoseconds() - started) / 1e9)
        }
        #expect(
            outcomes == [.ok(rows: 20_000), .ok(rows: 1), .ok(rows: 50_000), .ok(rows: 1), .ok(rows: 3), .ok(rows: 1)]
        )
        #expect(seconds < 2.5)
    }

    @Test func closedPortAndWrongPasswordAreToldApart() async throws {
        let port = TestServices.closedPort()
        let errors = try await onLoop { loop -> [PostgresError?] in
            var errors: [PostgresError?] = []
            for endpoint in [try testEndpoint(port: port), try testEndpoint(password: "wrong-password")] {
                do {
                    _ = try await PostgresConnection.connect(to: endpoint, on: loop)
                    errors.append(nil)
                } catch let error as PostgresError {
                    errors.append(error)
                }
            }
            return errors
        }
        #expect(
            errors[0]?.description == "cannot connect to PostgreSQL at 127.0.0.1:\(port)/analytics: Connection refused"
        )
        guard case .authentication(_, let message) = errors[1] else {
            Issue.record("expected an authentication error, got \(String(describing: errors[1]))")
            return
        }
        #expect(message == "password authentication failed for user \"postgres\"")
        #expect(!(errors[1]?.description.contains("wrong-password") ?? true))
    }
}
