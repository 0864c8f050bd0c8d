// Socket options: setsockopt and getsockopt at SOL_SOCKET (SO_REUSEADDR, SO_SNDBUF and
// SO_RCVBUF — Linux doubles what it is given, for its bookkeeping — SO_KEEPALIVE,
// SO_BROADCAST, and the read-only SO_TYPE, SO_ERROR, SO_ACCEPTCONN, SO_PROTOCOL,
// SO_DOMAIN) and TCP_NODELAY at IPPROTO_TCP. Other options answer ENOPROTOOPT, and a
// level the socket lacks EOPNOTSUPP or ENOPROTOOPT, as Linux's do.

import Machine

extension Kernel {
    static let levelSocket: Int32 = 1, levelTCP: Int32 = 6
    static let optionReuseAddress: Int32 = 2, optionType: Int32 = 3, optionError: Int32 = 4, optionBroadcast: Int32 = 6
    static let optionSendBuffer: Int32 = 7, optionReceiveBuffer: Int32 = 8, optionKeepAlive: Int32 = 9
    static let optionAcceptConnections: Int32 = 30, optionProtocol: Int32 = 38, optionDomain: Int32 = 39
    static let optionNoDelay: Int32 = 1

    /// setsockopt(fd, level, optname, optval, optlen)
    func setSocketOption(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let socket: Socket
        switch socketFile(arguments.int32(0), thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): socket = found.socket
        }
        let level = arguments.int32(1), name = arguments.int32(2), length = arguments.int32(4)
        guard length >= 0 else { return .error(.EINVAL) }
        if level != Kernel.levelSocket {
            if socket.family == .unix { return .error(.EOPNOTSUPP) }
            guard level == Kernel.levelTCP, socket.isTCP else { return .error(.ENOPROTOOPT) }
        }
        guard length >= 4 else { return .error(.EINVAL) }
        guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: arguments[3], count: 4) else { return .error(.EFAULT) }
        let value = UInt32(truncatingIfNeeded: littleEndianWord(bytes, at: 0, count: 4))
        if level == Kernel.levelTCP {
            guard name == Kernel.optionNoDelay else { return .error(.ENOPROTOOPT) }
            socket.noDelay = value != 0
            return .value(0)
        }
        switch name {
        case Kernel.optionReuseAddress:
            socket.reuseAddress = value != 0
        case Kernel.optionSendBuffer:
            socket.sendBufferSize = max(Int(min(value, UInt32(Socket.bufferMaximum))) * 2, Socket.sendBufferMinimum)
            socket.wakeAll([.output], ioContext(hart, thread))
        case Kernel.optionReceiveBuffer:
            socket.receiveBufferSize = max(Int(min(value, UInt32(Socket.bufferMaximum))) * 2, Socket.receiveBufferMinimum)
            socket.peer?.wakeAll([.output], ioContext(hart, thread))
        case Kernel.optionKeepAlive:
            socket.keepAlive = value != 0
        case Kernel.optionBroadcast:
            socket.broadcast = value != 0
        default:
            return .error(.ENOPROTOOPT)
        }
        return .value(0)
    }

    /// getsockopt(fd, level, optname, optval, optlen): at most optlen bytes of the value,
    /// and its length stored back.
    func getSocketOption(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let socket: Socket
        switch socketFile(arguments.int32(0), thread) {
        case .failure(let errno): return .error(errno)
        case .success(let found): socket = found.socket
        }
        let level = arguments.int32(1), name = arguments.int32(2), valueAddress = arguments[3], lengthAddress = arguments[4]
        if level != Kernel.levelSocket {
            if socket.family == .unix || !(level == Kernel.levelTCP && socket.isTCP) { return .error(.EOPNOTSUPP) }
        }
        let process = thread.process
        guard case .success(let word) = process.addressSpace.copyIn(from: lengthAddress, count: 4) else { return .error(.EFAULT) }
        let room = Int32(bitPattern: UInt32(truncatingIfNeeded: littleEndianWord(word, at: 0, count: 4)))
        guard room >= 0 else { return .error(.EINVAL) }
        let value: Int32
        if level == Kernel.levelTCP {
            guard name == Kernel.optionNoDelay else { return .error(.ENOPROTOOPT) }
            value = socket.noDelay ? 1 : 0
        } else {
            switch name {
            case Kernel.optionReuseAddress: value = socket.reuseAddress ? 1 : 0
            case Kernel.optionType: value = socket.type.rawValue
            case Kernel.optionError: value = Int32(truncatingIfNeeded: socket.takeError()?.rawValue ?? 0)
            case Kernel.optionSendBuffer: value = Int32(socket.sendBufferSize)
            case Kernel.optionReceiveBuffer: value = Int32(socket.receiveBufferSize)
            case Kernel.optionKeepAlive: value = socket.keepAlive ? 1 : 0
            case Kernel.optionBroadcast: value = socket.broadcast ? 1 : 0
            case Kernel.optionAcceptConnections: value = socket.isListening ? 1 : 0
            case Kernel.optionDomain: value = Int32(socket.family.rawValue)
            case Kernel.optionProtocol: value = socket.isTCP ? Kernel.protocolTCP : socket.isUDP ? Kernel.protocolUDP : 0
            default: return .error(.ENOPROTOOPT)
            }
        }
        let count = min(Int(room), 4)
        let bytes = littleEndianBytes(UInt64(UInt32(bitPattern: value)), count: 4)
        if count > 0, case .failure = process.addressSpace.copyOut(Array(bytes.prefix(count)), to: valueAddress) { return .error(.EFAULT) }
        guard case .success = process.addressSpace.copyOut(littleEndianBytes(UInt64(count), count: 4), to: lengthAddress) else {
            return .error(.EFAULT)
        }
        return .value(0)
    }
}
