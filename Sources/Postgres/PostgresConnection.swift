import CLibpq
import Glibc
import IOLoop

/// What one command produced: how many rows it returned or affected, or the server's error.
public enum PostgresOutcome: Sendable, Equatable {
    case ok(rows: Int)
    case failed(PostgresServerError)
}

/// One non-blocking libpq connection on an `IOLoop`.
///
/// Every command is sent with libpq's asynchronous API (`PQsend*`, `PQflush`), and the task waits
/// for the socket on its loop (`PQconsumeInput`, `PQisBusy`, `PQgetResult`), so no thread ever blocks
/// in libpq. Server errors of benchmark commands come back as `PostgresOutcome.failed`; broken
/// connections are thrown.
///
/// Thread confinement: use it only from a task running on its loop (it is not `Sendable`).
public final class PostgresConnection {
    public let endpoint: PostgresEndpoint
    private let connection: OpaquePointer
    private let watcher: WatchedDescriptor
    /// `endpoint.ioTimeout`, converted once rather than on every wait.
    private let ioTimeoutNanoseconds: UInt64
    private var pointerScratch: [UnsafePointer<CChar>?] = []
    private var lengthScratch: [Int32] = []
    private var formatScratch: [Int32] = []

    private init(connection: OpaquePointer, watcher: WatchedDescriptor, endpoint: PostgresEndpoint) {
        self.connection = connection
        self.watcher = watcher
        self.endpoint = endpoint
        ioTimeoutNanoseconds = endpoint.ioTimeout.nanoseconds
    }

    deinit {
        watcher.stopWatching()
        PQfinish(connection)
    }

    /// Connects on `loop` (the calling task must run on it) with `PQconnectStartParams` and
    /// `PQconnectPoll`, waiting for the socket between steps.
    public static func connect(
        to endpoint: PostgresEndpoint,
        on loop: IOLoop
    ) async throws(PostgresError) -> PostgresConnection {
        let parameters = endpoint.libpqParameters
        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            for keyword in keywords { free(keyword) }
            for value in values { free(value) }
        }
        var keywordPointers = keywords.map { UnsafePointer<CChar>($0) } + [nil]
        var valuePointers = values.map { UnsafePointer<CChar>($0) } + [nil]
        guard let connection = PQconnectStartParams(&keywordPointers, &valuePointers, 0) else {
            throw .connect(endpoint: endpoint.description, message: "out of memory")
        }
        let deadline = monotonicNanoseconds() &+ endpoint.connectTimeout.nanoseconds
        var status = PGRES_POLLING_WRITING
        if PQstatus(connection) == CONNECTION_BAD { status = PGRES_POLLING_FAILED }
        while status != PGRES_POLLING_OK {
            if status == PGRES_POLLING_FAILED {
                let error = PostgresError.connectFailure(
                    endpoint: endpoint.description,
                    libpqMessage: errorMessage(connection)
                )
                PQfinish(connection)
                throw error
            }
            let now = monotonicNanoseconds()
            do throws(IOError) {
                guard now < deadline else { throw IOError(.timedOut, operation: "connect") }
                // libpq may switch sockets between steps (another address), so watch the current one.
                let step = try WatchedDescriptor(fd: PQsocket(connection), on: loop)
                defer { step.stopWatching() }
                let remaining = Duration.nanoseconds(Int64(deadline - now))
                if status == PGRES_POLLING_READING {
                    try await step.waitUntilReadable(timeout: remaining)
                } else {
                    try await step.waitUntilWritable(timeout: remaining)
                }
            } catch {
                PQfinish(connection)
                let reason = error.kind == .timedOut ? "timed out after \(endpoint.connectTimeout)" : error.reason
                throw .connect(endpoint: endpoint.description, message: reason)
            }
            status = PQconnectPoll(connection)
        }
        // libpq would print the server's notices and warnings on stderr ("terminating connection
        // due to immediate shutdown command", once per connection), in the middle of the progress.
        ServerNotices.receive(on: connection)
        guard PQsetnonblocking(connection, 1) == 0 else {
            PQfinish(connection)
            throw .unexpected("cannot make the libpq connection non-blocking")
        }
        do {
            let watcher = try WatchedDescriptor(fd: PQsocket(connection), on: loop)
            return PostgresConnection(connection: connection, watcher: watcher, endpoint: endpoint)
        } catch {
            PQfinish(connection)
            throw .connectionLost(error.description)
        }
    }

    // MARK: Control plane (text results, server errors thrown)

    /// Runs `sql` (with text `$n` parameters) and returns every row as text; throws server errors.
    @discardableResult
    nonisolated(nonsending)
        public func query(_ sql: String, _ parameters: [String?] = []) async throws(PostgresError) -> [[String?]]
    {
        let cStrings = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for string in cStrings { free(string) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        let sent = PQsendQueryParams(connection, sql, Int32(parameters.count), nil, &pointers, nil, nil, 0)
        try await afterSend(sent)
        var rows: [[String?]] = []
        var failure: PostgresServerError?
        while let result = try await nextResult() {
            defer { PQclear(result) }
            if let error = Self.serverError(result) {
                failure = failure ?? error
                continue
            }
            for row in 0..<PQntuples(result) {
                rows.append(
                    (0..<PQnfields(result)).map { column in
                        PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                    }
                )
            }
        }
        if let failure { throw .server(failure) }
        return rows
    }

    /// Prepares `sql` as statement `name` (parameter types inferred by the server).
    nonisolated(nonsending)
        public func prepare(_ name: String, _ sql: String) async throws(PostgresError)
    {
        try await afterSend(PQsendPrepare(connection, name, sql, 0, nil))
        if case .failed(let error) = try await collectOutcome() { throw .server(error) }
    }

    // MARK: Benchmark commands (server errors returned)

    /// Executes prepared statement `name` without parameters.
    nonisolated(nonsending)
        public func executePrepared(_ name: String) async throws(PostgresError) -> PostgresOutcome
    {
        try await afterSend(name.withCString { PQsendQueryPrepared(connection, $0, 0, nil, nil, nil, 0) })
        return try await collectOutcome()
    }

    /// Executes prepared statement `name` with text parameters: the benchmark hot path, which
    /// suspends only while the reply is on its way.
    nonisolated(nonsending)
        public func executePrepared(
            _ name: String,
            parameters: borrowing TextParameters
        ) async throws(PostgresError) -> PostgresOutcome
    {
        // `withCString` borrows a short name's bytes in place; passing the String itself would
        // allocate a NUL-terminated copy on every call.
        let sent = parameters.withValuePointers { values, count in
            name.withCString { PQsendQueryPrepared(connection, $0, count, values, nil, nil, 0) }
        }
        try await afterSend(sent)
        return try await collectOutcome()
    }

    /// Executes prepared statement `name` with every field of `rows` as one binary parameter, in
    /// order (a multi-row INSERT of `rows.rowCount` rows).
    nonisolated(nonsending)
        public func executePrepared(
            _ name: String,
            binaryRows rows: borrowing BinaryRows
        ) async throws(PostgresError) -> PostgresOutcome
    {
        let fields = rows.fields
        let sent: Int32 = rows.bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            pointerScratch.removeAll(keepingCapacity: true)
            lengthScratch.removeAll(keepingCapacity: true)
            for field in fields {
                pointerScratch.append(field.length < 0 ? nil : base + field.offset)
                lengthScratch.append(max(0, field.length))
            }
            if formatScratch.count != fields.count { formatScratch = Array(repeating: 1, count: fields.count) }
            return name.withCString {
                PQsendQueryPrepared(
                    connection,
                    $0,
                    Int32(fields.count),
                    pointerScratch,
                    lengthScratch,
                    formatScratch,
                    0
                )
            }
        }
        try await afterSend(sent)
        return try await collectOutcome()
    }

    /// Runs `copyStatement` (`COPY ... FROM STDIN (FORMAT binary)`) and sends all of `data`.
    nonisolated(nonsending)
        public func copyIn(_ copyStatement: String, data: [UInt8]) async throws(PostgresError) -> PostgresOutcome
    {
        if let refused = try await beginCopy(copyStatement) { return refused }
        try await putCopyData(data)
        return try await endCopy()
    }

    /// Starts `COPY ... FROM STDIN`: `nil` when the server is ready for data, or its refusal.
    nonisolated(nonsending)
        public func beginCopy(_ copyStatement: String) async throws(PostgresError) -> PostgresOutcome?
    {
        try await afterSend(PQsendQuery(connection, copyStatement))
        guard let start = try await nextResult() else { throw .unexpected("COPY returned no result") }
        let status = PQresultStatus(start)
        let startError = Self.serverError(start)
        PQclear(start)
        guard status == PGRES_COPY_IN else {
            while let extra = try await nextResult() { PQclear(extra) }
            return .failed(startError ?? PostgresServerError(sqlState: "XX000", message: "COPY did not start"))
        }
        return nil
    }

    /// Queues COPY data. libpq sends its buffer whenever the data would not fit, so with pieces of a
    /// few kilobytes neither buffer grows, however large the batch.
    nonisolated(nonsending)
        public func putCopyData(_ data: [UInt8]) async throws(PostgresError)
    {
        var offset = 0
        while offset < data.count {
            let chunk = min(data.count - offset, 256 * 1024)
            let result = data.withUnsafeBytes { raw in
                PQputCopyData(
                    connection,
                    raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self),
                    Int32(chunk)
                )
            }
            if result == 1 {
                offset += chunk
            } else if result == 0 {
                try await flushOutput()
            } else {
                throw .connectionLost(Self.errorMessage(connection))
            }
        }
    }

    /// Ends the COPY and returns how many rows it stored (or the server's error).
    nonisolated(nonsending)
        public func endCopy() async throws(PostgresError) -> PostgresOutcome
    {
        try await putCopyEnd(failing: nil)
        return try await collectOutcome()
    }

    /// Ends a COPY FROM STDIN, as done (`failure` nil) or as failed with that message.
    nonisolated(nonsending)
        private func putCopyEnd(failing failure: String?) async throws(PostgresError)
    {
        while true {
            let result = PQputCopyEnd(connection, failure)
            if result == 1 { break }
            if result < 0 { throw .connectionLost(Self.errorMessage(connection)) }
            try await flushOutput()
        }
        try await flushOutput()
    }

    /// Reads a COPY TO STDOUT to its end (its command result then says how many rows it sent).
    nonisolated(nonsending)
        private func drainCopyOut() async throws(PostgresError)
    {
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(connection, &buffer, 1)
            if let buffer { PQfreemem(buffer) }
            switch length {
            case 1...: continue
            case 0: try await awaitInput()
            case -1: return
            default: throw .connectionLost(Self.errorMessage(connection))
            }
        }
    }

    /// True once libpq knows the connection is gone (the server closed it after a FATAL error).
    public var isBroken: Bool { PQstatus(connection) == CONNECTION_BAD }

    /// Stops watching the socket, so that the loop no longer wakes for it; libpq closes the
    /// connection itself (`PQfinish`) when this object is released, which follows at once for the
    /// callers' `defer { connection.close() }`.
    public func close() {
        watcher.stopWatching()
    }

    /// A server setting (`SHOW name`), e.g. `max_connections`.
    nonisolated(nonsending)
        public func setting(_ name: String) async throws(PostgresError) -> String
    {
        guard let value = try await query("SELECT current_setting($1)", [name]).first?.first ?? nil else {
            throw .unexpected("no value for setting \(name)")
        }
        return value
    }

    // MARK: Asynchronous machinery

    nonisolated(nonsending)
        private func afterSend(_ sent: Int32) async throws(PostgresError)
    {
        guard sent == 1 else { throw .connectionLost(Self.errorMessage(connection)) }
        try await flushOutput()
    }

    /// Sends libpq's output buffer, waiting for socket space when needed.
    nonisolated(nonsending)
        private func flushOutput() async throws(PostgresError)
    {
        while true {
            let result = PQflush(connection)
            if result == 0 { return }
            if result < 0 { throw .connectionLost(Self.errorMessage(connection)) }
            // Drain input too, so that a server blocked on writing to us can make progress.
            guard PQconsumeInput(connection) == 1 else { throw .connectionLost(Self.errorMessage(connection)) }
            do {
                try await watcher.waitUntilWritable(timeoutNanoseconds: ioTimeoutNanoseconds)
            } catch {
                throw error.postgresError
            }
        }
    }

    /// The next result of the current command, or `nil` when it has none left.
    nonisolated(nonsending)
        private func nextResult() async throws(PostgresError) -> OpaquePointer?
    {
        while PQisBusy(connection) == 1 { try await awaitInput() }
        return PQgetResult(connection)
    }

    /// Reads every result of the current command and sums the rows; the first error wins.
    nonisolated(nonsending)
        private func collectOutcome() async throws(PostgresError) -> PostgresOutcome
    {
        var rows = 0
        var failure: PostgresServerError?
        try readIfArrived()
        while true {
            // The wait is inlined here rather than in `nextResult()`: one async frame less per result.
            while PQisBusy(connection) == 1 { try await awaitInput() }
            guard let result = PQgetResult(connection) else { break }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            if let error = Self.serverError(result) {
                failure = failure ?? error
            } else if status == PGRES_COPY_IN {
                // A statement of the user's that reads COPY data (`--sql 'COPY t FROM STDIN'`): there
                // is none to send, so the COPY ends as failed and the server reports the statement's
                // error. Until it ends, libpq would return this same result for ever.
                try await putCopyEnd(failing: "dbbench sends no COPY data")
            } else if status == PGRES_COPY_OUT {
                try await drainCopyOut()
            } else if status == PGRES_TUPLES_OK {
                rows += Int(PQntuples(result))
            } else if let tuples = PQcmdTuples(result), tuples.pointee != 0 {
                rows += Int(String(cString: tuples)) ?? 0
            }
        }
        return failure.map { .failed($0) } ?? .ok(rows: rows)
    }

    /// Reads the reply if it has already arrived, without waiting for the loop to report it.
    ///
    /// Sending a query wakes its backend, which on a busy machine often runs at once on this CPU and
    /// answers before the client gets here. Reading now, as pgbench does, sends the next query
    /// while that backend's data is still in the CPU caches, instead of after a round through the
    /// loop (measured in Docs/performance.md).
    private func readIfArrived() throws(PostgresError) {
        guard PQisBusy(connection) == 1 else { return }
        try consumeInput(afterEdge: watcher.takeReadableEdge())
    }

    /// Waits until the socket is readable and lets libpq read what arrived.
    nonisolated(nonsending)
        private func awaitInput() async throws(PostgresError)
    {
        do {
            try await watcher.waitUntilReadable(timeoutNanoseconds: ioTimeoutNanoseconds)
        } catch {
            throw error.postgresError
        }
        try consumeInput(afterEdge: true)
    }

    /// `PQconsumeInput`. libpq reads at most its free buffer space per call, so after an edge a
    /// large result can still be in the socket, and no further edge would announce it: while the
    /// command is incomplete, the socket is checked and stays readable if bytes remain. (Bytes read
    /// without an edge have one still on its way from the loop; a completed command leaves nothing.)
    private func consumeInput(afterEdge: Bool) throws(PostgresError) {
        guard PQconsumeInput(connection) == 1 else { throw .connectionLost(Self.errorMessage(connection)) }
        if afterEdge && PQisBusy(connection) == 1 { watcher.stayReadableIfBytesRemain() }
    }

    private static func serverError(_ result: OpaquePointer) -> PostgresServerError? {
        let status = PQresultStatus(result)
        guard status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR else {
            return nil
        }
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? "XX000"
        let message =
            PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            ?? String(cString: PQresultErrorMessage(result)).trimmingWhitespace()
        return PostgresServerError(sqlState: state, message: message)
    }

    static func errorMessage(_ connection: OpaquePointer) -> String {
        String(cString: PQerrorMessage(connection)).trimmingWhitespace()
    }
}
