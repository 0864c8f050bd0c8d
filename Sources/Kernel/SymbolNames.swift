// Readable names for guest symbols in reports: Swift's mangled names (`$e5hello3fooyyF`)
// go through the host Swift runtime's demangler, which knows the Embedded prefix too.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@_silgen_name("swift_demangle")
private func _swiftDemangle(_ name: UnsafePointer<CChar>?, _ length: Int, _ buffer: UnsafeMutablePointer<CChar>?,
                            _ bufferSize: UnsafeMutablePointer<Int>?, _ flags: UInt32) -> UnsafeMutablePointer<CChar>?

enum SymbolNames {
    /// The demangled form of a Swift symbol; other names come back unchanged.
    static func demangle(_ name: String) -> String {
        guard name.hasPrefix("$e") || name.hasPrefix("$s") || name.hasPrefix("_$s") else { return name }
        let result = name.withCString { _swiftDemangle($0, strlen($0), nil, nil, 0) }
        guard let result else { return name }
        defer { free(result) }
        return String(cString: result)
    }
}
