import BenchCore
import Postgres

extension Recorder {
    /// A statement the server refused, counted under its SQLSTATE and message; one that says the
    /// server cannot serve now (a shutdown, a restart, a standby after a switchover) also begins an
    /// outage.
    func record(_ error: PostgresServerError, of operation: W.Operation) {
        let kind = "\(error.sqlState) \(error.message)"
        if error.meansUnavailable {
            recordUnavailable(operation, kind: kind)
        } else {
            recordFailure(operation, kind: kind)
        }
    }
}
