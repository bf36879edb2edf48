/// The sleeping tasks of one loop, earliest deadline first (a binary min-heap).
///
/// Thread confinement: owned by its `IOLoop` and touched only on the loop's thread.
struct TimerQueue {
    private var deadlines: [UInt64] = []
    private var waiters: [UnsafeContinuation<Void, Never>] = []

    var earliest: UInt64? { deadlines.first }
    var isEmpty: Bool { deadlines.isEmpty }

    mutating func insert(_ deadline: UInt64, _ waiter: UnsafeContinuation<Void, Never>) {
        deadlines.append(deadline)
        waiters.append(waiter)
        var child = deadlines.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard deadlines[child] < deadlines[parent] else { break }
            swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest waiter when its deadline is at or before `now`.
    mutating func popDue(now: UInt64) -> UnsafeContinuation<Void, Never>? {
        guard let first = deadlines.first, first <= now else { return nil }
        let waiter = waiters[0]
        swapAt(0, deadlines.count - 1)
        deadlines.removeLast()
        waiters.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < deadlines.count && deadlines[left] < deadlines[smallest] { smallest = left }
            if right < deadlines.count && deadlines[right] < deadlines[smallest] { smallest = right }
            if smallest == parent { break }
            swapAt(parent, smallest)
            parent = smallest
        }
        return waiter
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        deadlines.swapAt(i, j)
        waiters.swapAt(i, j)
    }
}
