import Testing

@testable import BenchCore

/// The search's choice of rates against made-up servers whose capacity is known.
@Suite("Capacity search (--find-capacity)")
struct CapacitySearchTests {
    private func settings(start: Int = 1000, maxSteps: Int = 20) throws -> CapacitySearch.Settings {
        CapacitySearch.Settings(
            slo: [try Threshold(parsing: "p99<1ms", workloads: [], command: "dbbench test")],
            startRate: start,
            stepDuration: .seconds(1),
            maxSteps: maxSteps
        )
    }

    private func step(_ rate: Int, meets: Bool) -> CapacitySearch.Step {
        CapacitySearch.Step(
            rate: rate,
            achieved: Double(rate),
            latency: LatencySummary(count: 1, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0),
            failed: 0,
            missed: meets ? [] : ["p99 = 2 ms"]
        )
    }

    /// Runs the search against a server that meets the SLO up to `capacity`.
    private func search(_ settings: CapacitySearch.Settings, capacity: Int) -> CapacitySearch {
        var search = CapacitySearch(settings: settings)
        while let rate = search.nextRate { search.record(step(rate, meets: rate <= capacity)) }
        return search
    }

    @Test(arguments: [1, 700, 1000, 4321, 50_000, 1_000_000])
    func findsTheCapacityWithinTheResolution(_ capacity: Int) throws {
        let search = search(try settings(), capacity: capacity)
        let found = try #require(search.capacity, "\(search.steps.map(\.rate))")
        let missed = try #require(search.lowestMissed)
        #expect(found <= capacity && missed > capacity)
        #expect(Double(missed - found) <= max(1, Double(found) * CapacitySearch.Settings.resolution))
        #expect(search.steps.count <= 20)
    }

    @Test func doublesThenBisects() throws {
        let rates = search(try settings(), capacity: 5000).steps.map(\.rate)
        #expect(Array(rates.prefix(4)) == [1000, 2000, 4000, 8000])
        #expect(rates[4] == 6000 && rates[5] == 5000)
    }

    @Test func halvesWhenTheFirstStepMisses() throws {
        let rates = search(try settings(), capacity: 300).steps.map(\.rate)
        #expect(Array(rates.prefix(3)) == [1000, 500, 250])
    }

    @Test func stopsAfterMaxSteps() throws {
        let search = search(try settings(maxSteps: 3), capacity: 1_000_000)
        #expect(search.steps.map(\.rate) == [1000, 2000, 4000])
        #expect(search.capacity == 4000 && search.lowestMissed == nil)
        #expect(search.outcome.summary.hasPrefix("capacity 4,000/s meeting p99<1ms (3 steps)"))
    }

    @Test func aServerThatNeverMeetsItHasNoCapacity() throws {
        let search = search(try settings(maxSteps: 30), capacity: 0)
        #expect(search.capacity == nil && search.lowestMissed == 1)
        #expect(search.outcome.summary.hasPrefix("capacity: no step met p99<1ms"))
    }

    @Test func optionsAreCheckedTogether() throws {
        func parse(_ arguments: [String]) throws(UsageError) -> RunOptions {
            try parseRunOptions(arguments, workloads: ["get"])
        }
        let options = try parse(["--find-capacity", "--slo", "p99<5ms", "--rate", "2000", "--step-duration", "3s"])
        #expect(options.capacity?.startRate == 2000 && options.capacity?.stepDuration == .seconds(3))
        #expect(options.limits.rate?.perSecond == 2000 && options.limits.duration == .seconds(3))
        #expect(try parse(["--find-capacity", "--slo", "p99<5ms"]).capacity?.startRate == 1000)
        let refusals: [([String], String)] = [
            (["--find-capacity"], "needs an --slo"),
            (["--slo", "p99<5ms"], "--slo is for --find-capacity"),
            (["--find-capacity", "--slo", "p99<5ms", "--duration", "5s"], "leave out --duration"),
            (["--find-capacity", "--slo", "p99<5ms", "--repeat", "3"], "--repeat"),
            (["--find-capacity", "--slo", "p99"], "needs a comparison"),
        ]
        for (arguments, message) in refusals {
            #expect(throws: UsageError.self) { try parse(arguments) }
            do {
                _ = try parse(arguments)
            } catch {
                #expect(error.message.contains(message), "\(arguments): \(error.message)")
            }
        }
    }
}
