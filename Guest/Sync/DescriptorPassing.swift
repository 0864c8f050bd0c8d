// DescriptorPassing.swift: sending open descriptors over a UNIX socket (sendmsg and
// recvmsg with SCM_RIGHTS) — how a process hands an accepted connection, a pipe end or
// a file to a worker that is already running, where inheritance cannot reach.
//
// The receiver gets new descriptors of its own (the lowest free numbers) for the same
// open file descriptions; the sender's stay open until it closes them. They travel in
// the message's control buffer beside at least one byte of data, and a stream read
// ends with the bytes that carry them, so they arrive with the last bytes of a read.

/// struct msghdr (56 bytes on riscv64).
struct MessageHeader {
    var name: Int = 0
    var nameLength: UInt32 = 0
    var vector: Int = 0
    var vectorCount: Int = 0
    var control: Int = 0
    var controlLength: Int = 0
    var flags: Int32 = 0
}

/// struct iovec.
struct IOVector {
    var base: Int
    var length: Int
}

/// The control-message layout: a 16-byte header (length, level, type), then the data,
/// each message padded to 8 bytes.
enum ControlMessage {
    static let headerSize = 16
    static let rightsType: Int32 = 1           // SCM_RIGHTS
    static let closeOnExecFlag = 0x4000_0000   // MSG_CMSG_CLOEXEC
    static let truncatedFlag: Int32 = 0x8      // MSG_CTRUNC

    static func space(forDescriptors count: Int) -> Int { (headerSize + 4 * count + 7) & ~7 }
}

extension Socket {
    /// Sends `bytes` (at least one byte: a message with no data carries nothing on a
    /// stream socket) together with `descriptors` (sendmsg, SCM_RIGHTS; at most 253).
    /// Returns how many bytes were sent; the descriptors go with the first of them.
    @discardableResult
    public func send(_ bytes: [UInt8], passing descriptors: [FileDescriptor]) throws(SystemError) -> Int {
        guard !bytes.isEmpty, descriptors.count <= 253 else { throw SystemError.invalidArgument }
        let controlSize = ControlMessage.space(forDescriptors: descriptors.count)
        let control = UnsafeMutableRawPointer.allocate(byteCount: controlSize, alignment: 8)
        defer { control.deallocate() }
        control.initializeMemory(as: UInt8.self, repeating: 0, count: controlSize)
        control.storeBytes(of: ControlMessage.headerSize + 4 * descriptors.count, as: Int.self)
        control.storeBytes(of: Int32(SocketOption.socketLevel), toByteOffset: 8, as: Int32.self)
        control.storeBytes(of: ControlMessage.rightsType, toByteOffset: 12, as: Int32.self)
        for (index, descriptor) in descriptors.enumerated() {
            control.storeBytes(of: descriptor.rawValue, toByteOffset: ControlMessage.headerSize + 4 * index, as: Int32.self)
        }
        while true {
            let result = bytes.withUnsafeBytes { raw -> Int in
                var vector = IOVector(base: Int(bitPattern: raw.baseAddress), length: raw.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var header = MessageHeader(vector: Int(bitPattern: vectorPointer), vectorCount: 1,
                                               control: Int(bitPattern: control), controlLength: controlSize)
                    return withUnsafeMutablePointer(to: &header) { headerPointer in
                        System.syscall(SystemCallNumber.sendmsg, descriptor.argument, Int(bitPattern: headerPointer),
                                       MessageFlags.noSignal.rawValue)
                    }
                }
            }
            if result != -SystemError.interrupted.code { return try System.check(result) }
        }
    }

    /// Receives at most `maxCount` bytes and the descriptors that came with them
    /// (recvmsg), at most `maxDescriptors` of them; more are closed by the kernel and
    /// `truncated` says so. `closeOnExec` sets FD_CLOEXEC on the new descriptors.
    public func receive(maxCount: Int, maxDescriptors: Int, closeOnExec: Bool = false) throws(SystemError)
        -> (bytes: [UInt8], descriptors: [FileDescriptor], truncated: Bool) {
        let count = max(1, maxCount)
        let limit = max(1, min(maxDescriptors, 253))
        let controlSize = ControlMessage.space(forDescriptors: limit)
        let control = UnsafeMutableRawPointer.allocate(byteCount: controlSize, alignment: 8)
        defer { control.deallocate() }
        control.initializeMemory(as: UInt8.self, repeating: 0, count: controlSize)
        var bytes = [UInt8](repeating: 0, count: count)
        var header = MessageHeader()
        var result = 0
        repeat {
            result = bytes.withUnsafeMutableBytes { raw -> Int in
                var vector = IOVector(base: Int(bitPattern: raw.baseAddress), length: raw.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    header = MessageHeader(vector: Int(bitPattern: vectorPointer), vectorCount: 1,
                                           control: Int(bitPattern: control), controlLength: controlSize)
                    return withUnsafeMutablePointer(to: &header) { headerPointer in
                        System.syscall(SystemCallNumber.recvmsg, descriptor.argument, Int(bitPattern: headerPointer),
                                       closeOnExec ? ControlMessage.closeOnExecFlag : 0)
                    }
                }
            }
        } while result == -SystemError.interrupted.code
        let received = try System.check(result)
        bytes.removeSubrange(min(received, count)...)
        var descriptors: [FileDescriptor] = []
        var offset = 0
        let filled = min(max(0, header.controlLength), controlSize)
        while offset + ControlMessage.headerSize <= filled {
            let length = control.load(fromByteOffset: offset, as: Int.self)
            let level = control.load(fromByteOffset: offset + 8, as: Int32.self)
            let type = control.load(fromByteOffset: offset + 12, as: Int32.self)
            guard length >= ControlMessage.headerSize, length <= filled - offset else { break }
            if level == Int32(SocketOption.socketLevel) && type == ControlMessage.rightsType {
                for index in 0..<(length - ControlMessage.headerSize) / 4 {
                    let raw = control.load(fromByteOffset: offset + ControlMessage.headerSize + 4 * index, as: Int32.self)
                    descriptors.append(FileDescriptor(raw))
                }
            }
            offset += (length + 7) & ~7
        }
        return (bytes, descriptors, header.flags & ControlMessage.truncatedFlag != 0)
    }
}
