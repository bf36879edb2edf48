import Foundation

/// A blocking TCP socket connected to 127.0.0.1:`port`, its reads timing out after `timeout`
/// seconds (so that a reply that never comes fails a test instead of hanging it); nil when the
/// connection is refused. The caller closes it.
public func loopbackSocket(port: Int, timeout: Double) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else {
        close(fd)
        return nil
    }
    let whole = Int(timeout)
    var interval = timeval(tv_sec: whole, tv_usec: Int((timeout - Double(whole)) * 1e6))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
    return fd
}
