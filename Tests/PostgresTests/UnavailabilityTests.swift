import Postgres
import Testing

@testable import TimescaleBench

/// Which server errors begin an outage, and how INSERT judges the rows found after one.
@Suite("PostgreSQL unavailability")
struct UnavailabilityTests {
    @Test(arguments: [
        ("57P01", true), ("57P03", true), ("08006", true), ("25006", true), ("57014", false), ("23505", false),
        ("42601", false), ("53300", false),
    ])
    func sqlStatesThatMeanTheServerCannotServeNow(state: String, unavailable: Bool) {
        #expect(PostgresServerError(sqlState: state, message: "").meansUnavailable == unavailable)
    }

    @Test func rowsOfBatchesWhoseReplyWasLostAreNoMismatchButMissingRowsAre() {
        #expect(InsertWorkload.tableVerdict(found: 1000, acknowledged: 1000, inDoubt: 0) == "matches")
        #expect(
            InsertWorkload.tableVerdict(found: 1200, acknowledged: 1000, inDoubt: 400).hasPrefix("matches; 200 more")
        )
        #expect(
            InsertWorkload.tableVerdict(found: 1600, acknowledged: 1000, inDoubt: 400)
                == "MISMATCH: 600 rows more than inserted"
        )
        #expect(
            InsertWorkload.tableVerdict(found: 900, acknowledged: 1000, inDoubt: 400)
                == "MISMATCH: 100 acknowledged rows missing"
        )
    }
}
