// Passing descriptors over UNIX sockets (SCM_RIGHTS): sendmsg's control buffer names
// descriptors of the sender; their open file descriptions travel with the bytes (each
// holding a reference while in flight), and recvmsg gives the receiver new descriptors
// for them, in a control message of its own. A receive with no room for them (read,
// recv, a short control buffer, the descriptor limit) closes them and reports
// MSG_CTRUNC, as Linux does. A socket closed with descriptions in flight to it releases them.

import Machine

extension Kernel {
    /// struct cmsghdr on riscv64: cmsg_len (8 bytes), cmsg_level, cmsg_type; data at 16.
    static let controlHeaderSize = 16
    static let rightsType: Int32 = 1, credentialsType: Int32 = 2   // SCM_RIGHTS, SCM_CREDENTIALS (ignored)
    /// SCM_MAX_FD: the most descriptors one message may carry.
    static let rightsLimit = 253
    /// MSG_CTRUNC and MSG_CMSG_CLOEXEC.
    static let controlTruncated: UInt32 = 0x8, controlCloseOnExec: UInt32 = 0x4000_0000

    /// The descriptions a sendmsg's control buffer passes: EINVAL for a malformed header,
    /// too many descriptors or an unknown SOL_SOCKET message; EBADF for a descriptor the
    /// sender lacks; EFAULT for memory it cannot read.
    func rightsToSend(control: UInt64, length: UInt64, socket: Socket, thread: Thread) -> Result<[OpenFile], Errno> {
        // IPv4 sockets ignore SCM_RIGHTS (Linux passes descriptors over UNIX sockets only).
        guard control != 0, length > 0, socket.family == .unix else { return .success([]) }
        guard length <= UInt64(Int32.max) else { return .failure(.ENOBUFS) }
        let size = Int(min(length, 64 << 10))
        guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: control, count: size) else {
            return .failure(.EFAULT)
        }
        var files: [OpenFile] = []
        var offset = 0
        while offset + Kernel.controlHeaderSize <= bytes.count {
            let messageLength = littleEndianWord(bytes, at: offset)
            guard messageLength >= UInt64(Kernel.controlHeaderSize), messageLength <= UInt64(bytes.count - offset) else {
                return .failure(.EINVAL)
            }
            let level = Int32(truncatingIfNeeded: littleEndianWord(bytes, at: offset + 8, count: 4))
            let type = Int32(truncatingIfNeeded: littleEndianWord(bytes, at: offset + 12, count: 4))
            if level == Kernel.levelSocket, type != Kernel.credentialsType {
                guard type == Kernel.rightsType else { return .failure(.EINVAL) }
                let count = (Int(messageLength) - Kernel.controlHeaderSize) / 4
                guard files.count + count <= Kernel.rightsLimit else { return .failure(.EINVAL) }
                for index in 0..<count {
                    let fd = Int32(truncatingIfNeeded: littleEndianWord(bytes, at: offset + Kernel.controlHeaderSize + index * 4, count: 4))
                    guard let file = thread.process.descriptors.file(fd) else { return .failure(.EBADF) }
                    files.append(file)
                }
            }
            // The next header starts at the aligned end of this one (CMSG_NXTHDR).
            offset += (Int(messageLength) + 7) & ~7
        }
        return .success(files)
    }

    /// Gives the receiver descriptors for `rights` and writes their control message at
    /// `control` (room for `length` bytes). The control length used, and whether some
    /// were dropped (MSG_CTRUNC). Those without room are released.
    func deliverRights(_ rights: [OpenFile], control: UInt64, length: UInt64, closeOnExec: Bool,
                       thread: Thread, _ context: IOContext) -> (used: UInt64, truncated: Bool) {
        guard !rights.isEmpty else { return (0, false) }
        let room = control == 0 || length < UInt64(Kernel.controlHeaderSize) ? 0
            : Int(min(length - UInt64(Kernel.controlHeaderSize), 4 * UInt64(Kernel.rightsLimit))) / 4
        var installed: [Int32] = []
        for file in rights {
            if installed.count < room, let fd = thread.process.descriptors.install(file, closeOnExec: closeOnExec) {
                installed.append(fd)
            }
            releaseFile(file, context)   // the in-flight reference; an installed one keeps its descriptor's
        }
        guard !installed.isEmpty else { return (0, true) }
        var bytes = littleEndianBytes(UInt64(Kernel.controlHeaderSize + 4 * installed.count))
        bytes += littleEndianBytes(UInt64(UInt32(bitPattern: Kernel.levelSocket)), count: 4)
        bytes += littleEndianBytes(UInt64(UInt32(bitPattern: Kernel.rightsType)), count: 4)
        for fd in installed { bytes += littleEndianBytes(UInt64(UInt32(bitPattern: fd)), count: 4) }
        _ = thread.process.addressSpace.copyOut(bytes, to: control)
        let space = UInt64((Kernel.controlHeaderSize + 4 * installed.count + 7) & ~7)
        return (min(space, length), installed.count < rights.count)
    }
}
