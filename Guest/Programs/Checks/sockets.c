/*
 * sockets.c: the socket calls, checked against Linux. Every call's result (or
 * -errno) is printed, and the same ELF runs under Interleave's kernel and under
 * qemu-riscv64 (which passes the calls to the host's Linux): the outputs must
 * match byte for byte. Only what is the same on both is printed: no descriptor
 * numbers, ports or pids (a descriptor prints as "fd"). UNIX paths live in a
 * fresh folder under /tmp, abstract names carry the pid, IPv4 uses 127.0.0.1
 * and ephemeral ports.
 */
#include "interleave.h"

/* Names the guest library's block of interleave.h may define too. */
#ifndef AF_UNIX
#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#endif
#ifndef SOCK_STREAM
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#endif
#ifndef SOL_SOCKET
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_ACCEPTCONN 30
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define TCP_NODELAY 1
#endif
#ifndef MSG_PEEK
#define MSG_PEEK 0x2
#define MSG_DONTWAIT 0x40
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#endif
#ifndef SHUT_RD
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#endif
#define CHECK_SYS_close 57
#define CHECK_SYS_fcntl 25
#define CHECK_SYS_mkdirat 34
#define CHECK_SYS_unlinkat 35
#define CHECK_SYS_prlimit64 261
#define CHECK_SYS_getpid 172
#define CHECK_O_NONBLOCK 04000
#define CHECK_AT_FDCWD (-100)
#define CHECK_AT_REMOVEDIR 0x200

/* Local layouts (Linux riscv64's), named apart from the library's structs. */
struct check_sockaddr_in { uint16_t family; uint16_t port; uint32_t address; unsigned char zero[8]; };
struct check_sockaddr_un { uint16_t family; char path[108]; };
struct check_iovec { void *base; size_t length; };
struct check_msghdr {
    void *name; uint32_t name_length; struct check_iovec *vector; size_t vector_count;
    void *control; size_t control_length; int flags;
};

#define BAD_POINTER ((void *)16)

static long call(long number, long a0, long a1, long a2, long a3, long a4, long a5)
{
    return interleave_syscall(number, a0, a1, a2, a3, a4, a5);
}

static long sock(int family, int type, int protocol) { return call(SYS_socket, family, type, protocol, 0, 0, 0); }
static long closefd(long fd) { return call(CHECK_SYS_close, fd, 0, 0, 0, 0, 0); }
static long sendbytes(long fd, const void *bytes, long count, int flags)
{
    return call(SYS_sendto, fd, (long)bytes, count, flags, 0, 0);
}
static long recvbytes(long fd, void *bytes, long count, int flags)
{
    return call(SYS_recvfrom, fd, (long)bytes, count, flags, 0, 0);
}
static long bindto(long fd, const void *address, long length) { return call(SYS_bind, fd, (long)address, length, 0, 0, 0); }
static long connectto(long fd, const void *address, long length) { return call(SYS_connect, fd, (long)address, length, 0, 0, 0); }
static long option(long fd, int level, int name)
{
    int value = -1;
    uint32_t length = sizeof value;
    long result = call(SYS_getsockopt, fd, level, name, (long)&value, (long)&length, 0);
    return result < 0 ? result : value;
}
static long setoption(long fd, int level, int name, int value)
{
    return call(SYS_setsockopt, fd, level, name, (long)&value, sizeof value, 0);
}

/* A result: descriptors print as "fd", everything else as its number. */
static void show(const char *what, long result) { printf("%s: %ld\n", what, result); }
static void showfd(const char *what, long result)
{
    if (result >= 0)
        printf("%s: fd\n", what);
    else
        printf("%s: %ld\n", what, result);
}
static void showtext(const char *what, const char *bytes, long count)
{
    printf("%s: %ld '", what, count);
    for (long i = 0; i < count; i++)
        putchar(bytes[i]);
    printf("'\n");
}

static struct check_sockaddr_in loopback(uint16_t port)
{
    struct check_sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.family = AF_INET;
    address.port = port;
    address.address = __builtin_bswap32(0x7f000001);
    return address;
}

static uint16_t port_of(long fd)
{
    struct check_sockaddr_in address;
    uint32_t length = sizeof address;
    memset(&address, 0, sizeof address);
    call(SYS_getsockname, fd, (long)&address, (long)&length, 0, 0, 0);
    return address.port;
}

static void errors(void)
{
    showfd("socket family 99", sock(99, SOCK_STREAM, 0));
    showfd("socket type 11", sock(AF_INET, 11, 0));
    showfd("socket inet type 4", sock(AF_INET, 4, 0));
    showfd("socket tcp protocol udp", sock(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    showfd("socket unix protocol 5", sock(AF_UNIX, SOCK_STREAM, 5));
    struct check_sockaddr_in address = loopback(0);
    uint32_t length = sizeof address;
    int value = 1;
    char byte = 0;
    show("bind stdout", bindto(1, &address, sizeof address));
    show("listen stdout", call(SYS_listen, 1, 1, 0, 0, 0, 0));
    show("accept stdout", call(SYS_accept, 1, 0, 0, 0, 0, 0));
    show("connect stdout", connectto(1, &address, sizeof address));
    show("getsockname stdout", call(SYS_getsockname, 1, (long)&address, (long)&length, 0, 0, 0));
    show("send stdout", sendbytes(1, "x", 1, 0));
    show("recv stdout", recvbytes(1, &byte, 1, 0));
    show("shutdown stdout", call(SYS_shutdown, 1, SHUT_RDWR, 0, 0, 0, 0));
    show("setsockopt stdout", call(SYS_setsockopt, 1, SOL_SOCKET, SO_REUSEADDR, (long)&value, sizeof value, 0));
    show("getsockopt stdout", option(1, SOL_SOCKET, SO_TYPE));
    show("bind fd 999", bindto(999, &address, sizeof address));
    show("listen fd -1", call(SYS_listen, -1, 1, 0, 0, 0, 0));
    show("accept fd 999", call(SYS_accept, 999, 0, 0, 0, 0, 0));
    show("connect fd 999", connectto(999, &address, sizeof address));
    show("send fd 999", sendbytes(999, "x", 1, 0));
    show("getsockopt fd 999", option(999, SOL_SOCKET, SO_TYPE));
    show("accept4 bad flags", call(SYS_accept4, 1, 0, 0, 0x100, 0, 0));
}

static void stream_pair(void)
{
    int ends[2];
    char buffer[64];
    show("socketpair stream", call(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)ends, 0, 0));
    show("socketpair inet", call(SYS_socketpair, AF_INET, SOCK_STREAM, 0, (long)ends, 0, 0));
    show("socketpair bad pointer", call(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)BAD_POINTER, 0, 0));
    show("SO_TYPE", option(ends[0], SOL_SOCKET, SO_TYPE));
    show("SO_SNDBUF", option(ends[0], SOL_SOCKET, SO_SNDBUF));
    show("SO_RCVBUF", option(ends[0], SOL_SOCKET, SO_RCVBUF));
    show("SO_ERROR", option(ends[0], SOL_SOCKET, SO_ERROR));
    show("SO_ACCEPTCONN", option(ends[0], SOL_SOCKET, SO_ACCEPTCONN));
    show("SO_DOMAIN", option(ends[0], SOL_SOCKET, SO_DOMAIN));
    show("SO_KEEPALIVE set", setoption(ends[0], SOL_SOCKET, SO_KEEPALIVE, 1));
    show("SO_KEEPALIVE", option(ends[0], SOL_SOCKET, SO_KEEPALIVE));
    show("SO_SNDBUF 10000", setoption(ends[0], SOL_SOCKET, SO_SNDBUF, 10000));
    show("SO_SNDBUF now", option(ends[0], SOL_SOCKET, SO_SNDBUF));
    show("SO_RCVBUF 1", setoption(ends[0], SOL_SOCKET, SO_RCVBUF, 1));
    show("SO_RCVBUF now", option(ends[0], SOL_SOCKET, SO_RCVBUF));
    show("SO_SNDBUF short", call(SYS_setsockopt, ends[0], SOL_SOCKET, SO_SNDBUF, (long)buffer, 2, 0));
    show("SO_SNDBUF bad pointer", call(SYS_setsockopt, ends[0], SOL_SOCKET, SO_SNDBUF, (long)BAD_POINTER, 4, 0));
    show("option 99", option(ends[0], SOL_SOCKET, 99));
    show("set option 99", setoption(ends[0], SOL_SOCKET, 99, 1));
    show("set SO_TYPE", setoption(ends[0], SOL_SOCKET, SO_TYPE, 1));
    show("unix TCP_NODELAY", setoption(ends[0], IPPROTO_TCP, TCP_NODELAY, 1));
    show("getsockopt bad length", call(SYS_getsockopt, ends[0], SOL_SOCKET, SO_TYPE, (long)buffer, (long)BAD_POINTER, 0));
    struct check_sockaddr_un name;
    uint32_t length = sizeof name;
    show("getsockname", call(SYS_getsockname, ends[0], (long)&name, (long)&length, 0, 0, 0));
    show("getsockname length", length);
    length = sizeof name;
    show("getpeername", call(SYS_getpeername, ends[0], (long)&name, (long)&length, 0, 0, 0));
    show("getpeername length", length);
    show("getsockname bad length", call(SYS_getsockname, ends[0], (long)&name, (long)BAD_POINTER, 0, 0, 0));
    show("recv empty dontwait", recvbytes(ends[1], buffer, sizeof buffer, MSG_DONTWAIT));
    show("send hello", sendbytes(ends[0], "hello", 5, 0));
    show("send world", sendbytes(ends[0], " world", 6, 0));
    show("recv bad buffer", recvbytes(ends[1], BAD_POINTER, 4, 0));
    showtext("peek", buffer, recvbytes(ends[1], buffer, 3, MSG_PEEK));
    showtext("recv", buffer, recvbytes(ends[1], buffer, sizeof buffer, 0));
    show("send bad buffer", sendbytes(ends[0], BAD_POINTER, 4, 0));
    show("send with address", call(SYS_sendto, ends[0], (long)"x", 1, 0, (long)&name, sizeof name));
    show("shutdown 3", call(SYS_shutdown, ends[0], 3, 0, 0, 0, 0));
    show("shutdown write", call(SYS_shutdown, ends[0], SHUT_WR, 0, 0, 0, 0));
    show("send after shutdown", sendbytes(ends[0], "x", 1, MSG_NOSIGNAL));
    show("peer reads end", recvbytes(ends[1], buffer, sizeof buffer, 0));
    show("peer still sends", sendbytes(ends[1], "back", 4, 0));
    showtext("read back", buffer, recvbytes(ends[0], buffer, sizeof buffer, 0));
    show("close", closefd(ends[0]));
    show("send to closed peer", sendbytes(ends[1], "x", 1, MSG_NOSIGNAL));
    show("close", closefd(ends[1]));

    /* A closer that leaves bytes unread resets its peer. */
    call(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)ends, 0, 0);
    sendbytes(ends[0], "unread", 6, 0);
    closefd(ends[1]);
    show("recv after reset", recvbytes(ends[0], buffer, sizeof buffer, MSG_DONTWAIT));
    show("recv after that", recvbytes(ends[0], buffer, sizeof buffer, MSG_DONTWAIT));
    closefd(ends[0]);

    /* A full buffer: a non-blocking writer gets EAGAIN, not a short count forever. */
    call(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, (long)ends, 0, 0);
    show("F_GETFL nonblocking", call(CHECK_SYS_fcntl, ends[0], 3, 0, 0, 0, 0) & CHECK_O_NONBLOCK);
    long total = 0, result;
    char *chunk = malloc(4096);
    memset(chunk, 'z', 4096);
    for (int i = 0; i < 1000 && (result = sendbytes(ends[0], chunk, 4096, 0)) > 0; i++)
        total += result;
    show("filled, then", result);
    show("filled more than 64 KiB", total > 65536);
    long drained = 0;
    while ((result = recvbytes(ends[1], chunk, 4096, 0)) > 0)
        drained += result;
    show("drained all", drained == total);
    show("drained, then", result);
    free(chunk);
    closefd(ends[0]);
    closefd(ends[1]);
}

static void datagram_pair(void)
{
    int ends[2];
    char buffer[64];
    show("socketpair dgram", call(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, (long)ends, 0, 0));
    show("SO_TYPE", option(ends[0], SOL_SOCKET, SO_TYPE));
    sendbytes(ends[0], "abc", 3, 0);
    sendbytes(ends[0], "defgh", 5, 0);
    sendbytes(ends[0], "", 0, 0);
    sendbytes(ends[0], "ijklmnop", 8, 0);
    showtext("first", buffer, recvbytes(ends[1], buffer, sizeof buffer, 0));
    showtext("second cut", buffer, recvbytes(ends[1], buffer, 2, 0));
    show("empty", recvbytes(ends[1], buffer, sizeof buffer, 0));
    show("MSG_TRUNC length", recvbytes(ends[1], buffer, 4, MSG_TRUNC));
    struct check_iovec pieces[2] = { { buffer, 3 }, { buffer + 10, 10 } };
    struct check_msghdr message;
    memset(&message, 0, sizeof message);
    message.vector = pieces;
    message.vector_count = 2;
    sendbytes(ends[0], "0123456789ABCDEF", 16, 0);
    show("recvmsg", call(SYS_recvmsg, ends[1], (long)&message, 0, 0, 0, 0));
    show("recvmsg flags", message.flags);
    showtext("first piece", buffer, 3);
    showtext("second piece", buffer + 10, 10);
    struct check_iovec out[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
    message.vector = out;
    message.vector_count = 3;
    message.flags = 0;
    show("sendmsg", call(SYS_sendmsg, ends[0], (long)&message, 0, 0, 0, 0));
    showtext("gathered", buffer, recvbytes(ends[1], buffer, sizeof buffer, 0));
    message.vector_count = 2000;
    show("sendmsg 2000 iovecs", call(SYS_sendmsg, ends[0], (long)&message, 0, 0, 0, 0));
    show("recvmsg bad header", call(SYS_recvmsg, ends[1], (long)BAD_POINTER, 0, 0, 0, 0));
    show("recv empty dontwait", recvbytes(ends[1], buffer, sizeof buffer, MSG_DONTWAIT));
    show("close", closefd(ends[1]));
    show("send to closed", sendbytes(ends[0], "x", 1, 0));
    show("send again", sendbytes(ends[0], "x", 1, 0));
    closefd(ends[0]);
}

static void named_unix(const char *folder)
{
    struct check_sockaddr_un path, other, got;
    memset(&path, 0, sizeof path);
    memset(&other, 0, sizeof other);
    path.family = AF_UNIX;
    snprintf(path.path, sizeof path.path, "%s/listener", folder);
    other.family = AF_UNIX;
    snprintf(other.path, sizeof other.path, "%s/missing", folder);
    long folder_length = (long)strlen(folder);
    char buffer[64];

    long listener = sock(AF_UNIX, SOCK_STREAM, 0);
    show("listen unbound", call(SYS_listen, listener, 5, 0, 0, 0, 0));
    show("accept not listening", call(SYS_accept, listener, 0, 0, 0, 0, 0));
    show("recv unconnected", recvbytes(listener, buffer, 1, 0));
    show("send unconnected", sendbytes(listener, "x", 1, MSG_NOSIGNAL));
    show("bind short", bindto(listener, &path, 1));
    show("bind family 2", (path.family = 2, bindto(listener, &path, sizeof path)));
    path.family = AF_UNIX;
    show("bind path", bindto(listener, &path, sizeof path));
    uint32_t length = sizeof got;
    call(SYS_getsockname, listener, (long)&got, (long)&length, 0, 0, 0);
    show("name length less folder", (long)length - folder_length);
    show("name matches", strcmp(got.path, path.path) == 0);
    show("bind again", bindto(listener, &other, sizeof other));
    long second = sock(AF_UNIX, SOCK_STREAM, 0);
    show("bind taken path", bindto(second, &path, sizeof path));
    show("listen backlog 0", call(SYS_listen, listener, 0, 0, 0, 0, 0));
    show("SO_ACCEPTCONN", option(listener, SOL_SOCKET, SO_ACCEPTCONN));
    show("connect missing", connectto(second, &other, sizeof other));
    long client = sock(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("connect", connectto(client, &path, sizeof path));
    show("connect again", connectto(client, &path, sizeof path));
    long waiting = sock(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("connect past backlog", connectto(waiting, &path, sizeof path));
    show("client sends first", sendbytes(client, "early", 5, 0));
    length = sizeof got;
    long served = call(SYS_accept4, listener, (long)&got, (long)&length, SOCK_NONBLOCK | SOCK_CLOEXEC, 0, 0);
    showfd("accept4", served);
    show("peer address length", length);
    show("accepted nonblocking", call(CHECK_SYS_fcntl, served, 3, 0, 0, 0, 0) & CHECK_O_NONBLOCK);
    show("accepted cloexec", call(CHECK_SYS_fcntl, served, 1, 0, 0, 0, 0));
    length = sizeof got;
    call(SYS_getsockname, served, (long)&got, (long)&length, 0, 0, 0);
    show("accepted name is the listener's", strcmp(got.path, path.path) == 0);
    showtext("served reads", buffer, recvbytes(served, buffer, sizeof buffer, 0));
    call(CHECK_SYS_fcntl, listener, 4, CHECK_O_NONBLOCK, 0, 0, 0);
    show("accept empty", call(SYS_accept4, listener, 0, 0, 0, 0, 0));
    long dgram = sock(AF_UNIX, SOCK_DGRAM, 0);
    show("listen dgram", call(SYS_listen, dgram, 1, 0, 0, 0, 0));
    show("accept dgram", call(SYS_accept, dgram, 0, 0, 0, 0, 0));
    show("dgram connect to stream", connectto(dgram, &path, sizeof path));
    show("close listener", closefd(listener));
    long late = sock(AF_UNIX, SOCK_STREAM, 0);
    show("connect to left path", connectto(late, &path, sizeof path));
    show("bind left path", bindto(late, &path, sizeof path));
    closefd(late);
    closefd(second);
    closefd(client);
    closefd(waiting);
    closefd(served);
    closefd(dgram);
    call(CHECK_SYS_unlinkat, CHECK_AT_FDCWD, (long)path.path, 0, 0, 0, 0);

    /* Datagrams to a named socket: a queue of max_dgram_qlen (10) and one more. */
    snprintf(path.path, sizeof path.path, "%s/datagrams", folder);
    long receiver = sock(AF_UNIX, SOCK_DGRAM, 0);
    show("bind dgram", bindto(receiver, &path, sizeof path));
    long sender = sock(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int sent = 0;
    long result;
    while ((result = call(SYS_sendto, sender, (long)"m", 1, 0, (long)&path, sizeof path)) == 1 && sent < 100)
        sent++;
    show("datagrams queued", sent);
    show("then", result);
    length = sizeof got;
    memset(&got, 0, sizeof got);
    show("recvfrom unnamed sender", call(SYS_recvfrom, receiver, (long)buffer, 1, 0, (long)&got, (long)&length));
    show("source length", length);
    show("connect stream socket to dgram", connectto(sock(AF_UNIX, SOCK_STREAM, 0), &path, sizeof path));
    closefd(receiver);
    closefd(sender);
    call(CHECK_SYS_unlinkat, CHECK_AT_FDCWD, (long)path.path, 0, 0, 0, 0);
}

static void abstract_names(long pid)
{
    struct check_sockaddr_un name, got;
    memset(&name, 'X', sizeof name);
    name.family = AF_UNIX;
    name.path[0] = 0;
    int count = snprintf(name.path + 1, sizeof name.path - 1, "interleave-%ld", pid);
    name.path[1 + count] = 'X';   /* so no copier takes a trailing NUL into the name */
    long name_length = 2 + 1 + count;
    char digits[32];
    long pid_digits = snprintf(digits, sizeof digits, "%ld", pid);
    char buffer[16];

    long a = sock(AF_UNIX, SOCK_DGRAM, 0), b = sock(AF_UNIX, SOCK_DGRAM, 0);
    show("bind abstract", bindto(a, &name, name_length));
    uint32_t length = sizeof got;
    call(SYS_getsockname, a, (long)&got, (long)&length, 0, 0, 0);
    show("abstract length less pid", (long)length - pid_digits);
    show("abstract name matches", length == name_length && memcmp(&got, &name, name_length) == 0);
    show("bind abstract taken", bindto(b, &name, name_length));
    show("autobind", bindto(b, &name, 2));
    length = sizeof got;
    call(SYS_getsockname, b, (long)&got, (long)&length, 0, 0, 0);
    show("autobind length", length);
    show("autobind abstract", got.path[0] == 0);
    show("autobind again", bindto(b, &name, 2));
    show("sendto abstract", call(SYS_sendto, b, (long)"ping", 4, 0, (long)&name, name_length));
    struct check_sockaddr_un source;
    length = sizeof source;
    showtext("recvfrom", buffer, call(SYS_recvfrom, a, (long)buffer, sizeof buffer, 0, (long)&source, (long)&length));
    show("source length", length);
    show("source is the autobound name", memcmp(&source, &got, length) == 0);
    show("connect dgram", connectto(a, &got, length));
    length = sizeof source;
    show("getpeername dgram", call(SYS_getpeername, a, (long)&source, (long)&length, 0, 0, 0));
    show("peer length", length);
    show("send connected", sendbytes(a, "pong", 4, 0));
    showtext("reply", buffer, recvbytes(b, buffer, sizeof buffer, 0));
    show("third party refused", call(SYS_sendto, sock(AF_UNIX, SOCK_DGRAM, 0), (long)"x", 1, 0, (long)&name, name_length));
    show("disconnect", (got.family = AF_UNSPEC, connectto(a, &got, sizeof got)));
    show("send unconnected", sendbytes(a, "x", 1, 0));
    show("getpeername unconnected", call(SYS_getpeername, a, (long)&source, (long)&length, 0, 0, 0));
    closefd(a);
    name.path[1] ^= 1;
    show("sendto missing abstract", call(SYS_sendto, b, (long)"x", 1, 0, (long)&name, name_length));
    long stream = sock(AF_UNIX, SOCK_STREAM, 0);
    show("connect missing abstract", connectto(stream, &name, name_length));
    closefd(stream);
    closefd(b);
}

static void tcp(void)
{
    struct check_sockaddr_in address = loopback(0), got;
    char buffer[64];
    uint32_t length;
    long listener = sock(AF_INET, SOCK_STREAM, 0);
    show("tcp SO_SNDBUF", option(listener, SOL_SOCKET, SO_SNDBUF));
    show("tcp SO_RCVBUF", option(listener, SOL_SOCKET, SO_RCVBUF));
    show("tcp SO_PROTOCOL", option(listener, SOL_SOCKET, SO_PROTOCOL));
    show("TCP_NODELAY set", setoption(listener, IPPROTO_TCP, TCP_NODELAY, 1));
    show("TCP_NODELAY", option(listener, IPPROTO_TCP, TCP_NODELAY));
    show("TCP option 99", setoption(listener, IPPROTO_TCP, 99, 1));
    show("bind short", bindto(listener, &address, 8));
    address.family = AF_UNIX;
    show("bind family unix", bindto(listener, &address, sizeof address));
    address.family = AF_INET;
    address.address = __builtin_bswap32(0xC0000201);   /* 192.0.2.1: no machine's */
    show("bind foreign address", bindto(listener, &address, sizeof address));
    address = loopback(0);
    show("bind bad pointer", bindto(listener, BAD_POINTER, sizeof address));
    show("bind", bindto(listener, &address, sizeof address));
    show("bind again", bindto(listener, &address, sizeof address));
    uint16_t port = port_of(listener);
    uint16_t host_port = __builtin_bswap16(port);
    show("ephemeral port in range", host_port >= 32768 && host_port <= 60999);
    length = sizeof got;
    call(SYS_getsockname, listener, (long)&got, (long)&length, 0, 0, 0);
    show("name length", length);
    show("name address", __builtin_bswap32(got.address) == 0x7f000001);
    show("recv unconnected", recvbytes(listener, buffer, 1, 0));
    show("send unconnected", sendbytes(listener, "x", 1, MSG_NOSIGNAL));
    show("getpeername unconnected", call(SYS_getpeername, listener, (long)&got, (long)&length, 0, 0, 0));
    long fresh = sock(AF_INET, SOCK_STREAM, 0);   /* not the listener: Linux keeps the bits for its children */
    show("shutdown unconnected", call(SYS_shutdown, fresh, SHUT_RDWR, 0, 0, 0, 0));
    closefd(fresh);
    show("accept not listening", call(SYS_accept, listener, 0, 0, 0, 0, 0));
    show("listen", call(SYS_listen, listener, 0, 0, 0, 0, 0));
    show("SO_ACCEPTCONN", option(listener, SOL_SOCKET, SO_ACCEPTCONN));
    long rival = sock(AF_INET, SOCK_STREAM, 0);
    address.port = port;
    show("bind used port", bindto(rival, &address, sizeof address));
    setoption(rival, SOL_SOCKET, SO_REUSEADDR, 1);
    show("bind used port, reuse", bindto(rival, &address, sizeof address));
    call(CHECK_SYS_fcntl, listener, 4, CHECK_O_NONBLOCK, 0, 0, 0);
    show("accept empty", call(SYS_accept4, listener, 0, 0, 0, 0, 0));

    long client = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("connect nonblocking", connectto(client, &address, sizeof address));
    show("connect again", connectto(client, &address, sizeof address));
    show("connect third", connectto(client, &address, sizeof address));
    long pending = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("connect past backlog", connectto(pending, &address, sizeof address));
    show("connect past backlog again", connectto(pending, &address, sizeof address));
    show("SO_ERROR", option(client, SOL_SOCKET, SO_ERROR));
    closefd(pending);   /* before its SYN is sent again, which Linux does a second later */
    struct check_sockaddr_in peer;
    length = sizeof peer;
    long served = call(SYS_accept4, listener, (long)&peer, (long)&length, SOCK_CLOEXEC, 0, 0);
    showfd("accept4", served);
    show("peer length", length);
    show("peer is the client", peer.port == port_of(client) && __builtin_bswap32(peer.address) == 0x7f000001);
    length = sizeof got;
    call(SYS_getpeername, client, (long)&got, (long)&length, 0, 0, 0);
    show("client's peer is the listener's port", got.port == port);
    show("send", sendbytes(client, "request", 7, 0));
    showtext("recv", buffer, recvbytes(served, buffer, sizeof buffer, 0));
    show("reply", sendbytes(served, "response", 8, 0));
    show("MSG_WAITALL", recvbytes(client, buffer, 8, MSG_WAITALL));
    show("shutdown write", call(SYS_shutdown, client, SHUT_WR, 0, 0, 0, 0));
    show("server reads end", recvbytes(served, buffer, sizeof buffer, 0));
    show("server still sends", sendbytes(served, "more", 4, 0));
    showtext("client reads", buffer, recvbytes(client, buffer, sizeof buffer, 0));
    show("server closes", closefd(served));
    show("client reads end", recvbytes(client, buffer, sizeof buffer, 0));
    show("client write draws reset", sendbytes(client, "x", 1, MSG_NOSIGNAL));
    show("client write broken", sendbytes(client, "x", 1, MSG_NOSIGNAL));
    show("getpeername after reset", call(SYS_getpeername, client, (long)&got, (long)&length, 0, 0, 0));
    show("connect after reset", connectto(client, &address, sizeof address));
    closefd(client);

    /* A closer with unread bytes resets the connection. */
    client = sock(AF_INET, SOCK_STREAM, 0);
    show("connect blocking", connectto(client, &address, sizeof address));
    served = call(SYS_accept, listener, 0, 0, 0, 0, 0);
    sendbytes(served, "keep", 4, 0);
    sendbytes(client, "unread", 6, 0);
    closefd(served);
    showtext("data before reset", buffer, recvbytes(client, buffer, sizeof buffer, 0));
    show("reset", recvbytes(client, buffer, sizeof buffer, 0));
    show("after reset", recvbytes(client, buffer, sizeof buffer, 0));
    show("write after reset", sendbytes(client, "x", 1, MSG_NOSIGNAL));
    closefd(client);
    closefd(listener);
    closefd(rival);

    /* Nobody listening: refused. */
    long holder = sock(AF_INET, SOCK_STREAM, 0);
    address.port = 0;   /* not the old listener's: Linux keeps it in TIME_WAIT */
    bindto(holder, &address, sizeof address);   /* holds a port nobody listens on */
    address.port = port_of(holder);
    client = sock(AF_INET, SOCK_STREAM, 0);
    show("connect refused", connectto(client, &address, sizeof address));
    closefd(client);
    client = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("connect refused nonblocking", connectto(client, &address, sizeof address));
    show("SO_ERROR refused", option(client, SOL_SOCKET, SO_ERROR));
    show("SO_ERROR again", option(client, SOL_SOCKET, SO_ERROR));
    show("connect after SO_ERROR", connectto(client, &address, sizeof address));
    show("connect restarts", connectto(client, &address, sizeof address));
    show("connect reports", connectto(client, &address, sizeof address));
    closefd(client);
    closefd(holder);
    show("listen udp", call(SYS_listen, sock(AF_INET, SOCK_DGRAM, 0), 1, 0, 0, 0, 0));
}

static void udp(void)
{
    struct check_sockaddr_in address = loopback(0), from;
    char buffer[64];
    uint32_t length;
    long a = sock(AF_INET, SOCK_DGRAM, 0), b = sock(AF_INET, SOCK_DGRAM, 0);
    show("udp SO_SNDBUF", option(a, SOL_SOCKET, SO_SNDBUF));
    show("udp SO_PROTOCOL", option(a, SOL_SOCKET, SO_PROTOCOL));
    show("udp TCP_NODELAY", setoption(a, IPPROTO_TCP, TCP_NODELAY, 1));
    show("bind a", bindto(a, &address, sizeof address));
    show("bind b", bindto(b, &address, sizeof address));
    struct check_sockaddr_in to_a = loopback(port_of(a));
    show("send unconnected", sendbytes(b, "x", 1, 0));
    show("sendto short address", call(SYS_sendto, b, (long)"x", 1, 0, (long)&to_a, 8));
    struct check_sockaddr_in zero = loopback(0);
    show("sendto port 0", call(SYS_sendto, b, (long)"x", 1, 0, (long)&zero, sizeof zero));
    char *large = calloc(1, 70000);
    show("sendto too large", call(SYS_sendto, b, (long)large, 65508, 0, (long)&to_a, sizeof to_a));
    show("sendto largest", call(SYS_sendto, b, (long)large, 65507, 0, (long)&to_a, sizeof to_a));
    show("recv largest", recvbytes(a, large, 70000, 0));
    free(large);
    show("sendto one", call(SYS_sendto, b, (long)"one", 3, 0, (long)&to_a, sizeof to_a));
    show("sendto two", call(SYS_sendto, b, (long)"two!", 4, 0, (long)&to_a, sizeof to_a));
    show("sendto three", call(SYS_sendto, b, (long)"three", 5, 0, (long)&to_a, sizeof to_a));
    length = sizeof from;
    showtext("recvfrom", buffer, call(SYS_recvfrom, a, (long)buffer, sizeof buffer, 0, (long)&from, (long)&length));
    show("from length", length);
    show("from is b", from.port == port_of(b) && __builtin_bswap32(from.address) == 0x7f000001);
    showtext("peek", buffer, recvbytes(a, buffer, sizeof buffer, MSG_PEEK));
    show("MSG_TRUNC", recvbytes(a, buffer, 1, MSG_TRUNC));
    show("cut", recvbytes(a, buffer, 2, 0));
    show("empty dontwait", recvbytes(a, buffer, sizeof buffer, MSG_DONTWAIT));
    show("shutdown unconnected", call(SYS_shutdown, a, SHUT_RD, 0, 0, 0, 0));
    show("connect", connectto(b, &to_a, sizeof to_a));
    length = sizeof from;
    show("getpeername", call(SYS_getpeername, b, (long)&from, (long)&length, 0, 0, 0));
    show("peer is a", from.port == to_a.port);
    show("send connected", sendbytes(b, "hey", 3, 0));
    showtext("got", buffer, recvbytes(a, buffer, sizeof buffer, 0));
    show("disconnect", (zero.family = AF_UNSPEC, connectto(b, &zero, sizeof zero)));
    show("send after disconnect", sendbytes(b, "x", 1, 0));

    /* Connected to a port nobody holds: the second send learns it. */
    long gone = sock(AF_INET, SOCK_DGRAM, 0);
    bindto(gone, &address, sizeof address);
    struct check_sockaddr_in to_gone = loopback(port_of(gone));
    closefd(gone);
    long c = sock(AF_INET, SOCK_DGRAM, 0);
    show("connect to nobody", connectto(c, &to_gone, sizeof to_gone));
    show("send to nobody", sendbytes(c, "x", 1, 0));
    show("send to nobody again", sendbytes(c, "x", 1, 0));
    show("recv after", recvbytes(c, buffer, 1, MSG_DONTWAIT));
    closefd(c);
    closefd(a);
    closefd(b);
}

/* sendmsg with SCM_RIGHTS: the receiver gets a descriptor of its own for the same socket. */
static long send_rights(long through, const int *fds, int count, long bytes)
{
    unsigned long control[8];
    memset(control, 0, sizeof control);
    control[0] = 16 + 4 * (unsigned long)count;
    ((int *)control)[2] = SOL_SOCKET;
    ((int *)control)[3] = 1;   /* SCM_RIGHTS */
    memcpy((char *)control + 16, fds, 4 * (size_t)count);
    struct check_iovec piece = { "r", 1 };
    struct check_msghdr message;
    memset(&message, 0, sizeof message);
    message.vector = &piece;
    message.vector_count = bytes;
    message.control = control;
    message.control_length = (16 + 4 * (unsigned long)count + 7) & ~7ul;
    return call(SYS_sendmsg, through, (long)&message, 0, 0, 0, 0);
}

static void passing_descriptors(void)
{
    int pair[2], carried[2];
    char buffer[16];
    call(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)pair, 0, 0);
    call(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)carried, 0, 0);
    show("sendmsg SCM_RIGHTS", send_rights(pair[0], &carried[0], 1, 1));
    sendbytes(pair[0], "tail", 4, 0);
    closefd(carried[0]);
    unsigned long control[8];
    memset(control, 0xff, sizeof control);
    struct check_iovec piece = { buffer, sizeof buffer };
    struct check_msghdr message;
    memset(&message, 0, sizeof message);
    message.vector = &piece;
    message.vector_count = 1;
    message.control = control;
    message.control_length = sizeof control;
    show("recvmsg with rights", call(SYS_recvmsg, pair[1], (long)&message, 0x40000000, 0, 0, 0));
    show("control length", (long)message.control_length);
    show("cmsg_len", (long)control[0]);
    show("cmsg level and type", ((int *)control)[2] * 10 + ((int *)control)[3]);
    int passed = ((int *)control)[4];
    show("passed is a descriptor", passed > 2);
    show("passed close-on-exec", call(CHECK_SYS_fcntl, passed, 1, 0, 0, 0, 0));
    show("write through the passed one", sendbytes(passed, "via", 3, 0));
    showtext("read at the other end", buffer, recvbytes(carried[1], buffer, sizeof buffer, 0));
    showtext("bytes after the rights", buffer, recvbytes(pair[1], buffer, sizeof buffer, 0));
    closefd(passed);
    show("rights of a bad descriptor", send_rights(pair[0], (int[]){ 999 }, 1, 1));
    int mine = (int)sock(AF_UNIX, SOCK_DGRAM, 0);
    show("rights then plain recv", send_rights(pair[0], &mine, 1, 1));
    message.control = 0;
    message.control_length = 0;
    show("recvmsg without room", call(SYS_recvmsg, pair[1], (long)&message, 0, 0, 0, 0));
    show("flags say MSG_CTRUNC", message.flags);
    int dgram[2];
    call(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, (long)dgram, 0, 0);
    show("rights by datagram", send_rights(dgram[0], &mine, 1, 1));
    message.control = control;
    message.control_length = sizeof control;
    show("recvmsg datagram", call(SYS_recvmsg, dgram[1], (long)&message, 0, 0, 0, 0));
    show("datagram control length", (long)message.control_length);
    passed = ((int *)control)[4];
    show("passed datagram socket's type", option(passed, SOL_SOCKET, SO_TYPE));
    closefd(passed);
    long udp = sock(AF_INET, SOCK_DGRAM, 0);
    struct check_sockaddr_in to = loopback(__builtin_bswap16(9));
    unsigned long control2[4] = { 20, 0, 0, 0 };
    ((int *)control2)[2] = SOL_SOCKET;
    ((int *)control2)[3] = 1;
    ((int *)control2)[4] = mine;
    struct check_iovec one = { "x", 1 };
    memset(&message, 0, sizeof message);
    message.name = &to;
    message.name_length = sizeof to;
    message.vector = &one;
    message.vector_count = 1;
    message.control = control2;
    message.control_length = 24;
    show("rights over UDP", call(SYS_sendmsg, udp, (long)&message, 0, 0, 0, 0));
    closefd(udp);
    closefd(mine);
    closefd(dgram[0]);
    closefd(dgram[1]);
    closefd(carried[1]);
    closefd(pair[0]);
    closefd(pair[1]);
}

static void descriptor_limit(void)
{
    long probe = sock(AF_UNIX, SOCK_STREAM, 0);
    closefd(probe);
    unsigned long limits[2], old[2];
    call(CHECK_SYS_prlimit64, 0, 7, 0, (long)old, 0, 0);
    limits[0] = (unsigned long)probe + 1;
    limits[1] = old[1];
    show("lower the limit", call(CHECK_SYS_prlimit64, 0, 7, (long)limits, 0, 0, 0));
    long last = sock(AF_UNIX, SOCK_STREAM, 0);
    showfd("last socket", last);
    showfd("one too many", sock(AF_UNIX, SOCK_STREAM, 0));
    closefd(last);
    int ends[2];
    show("socketpair needs two", call(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)ends, 0, 0));
    call(CHECK_SYS_prlimit64, 0, 7, (long)old, 0, 0, 0);
}

int main(void)
{
    long pid = call(CHECK_SYS_getpid, 0, 0, 0, 0, 0, 0);
    char folder[64];
    snprintf(folder, sizeof folder, "/tmp/interleave-sockets-%ld", pid);
    call(CHECK_SYS_mkdirat, CHECK_AT_FDCWD, (long)folder, 0700, 0, 0, 0);
    printf("-- errors\n");
    errors();
    printf("-- stream pair\n");
    stream_pair();
    printf("-- datagram pair\n");
    datagram_pair();
    printf("-- named UNIX sockets\n");
    named_unix(folder);
    printf("-- abstract names\n");
    abstract_names(pid);
    printf("-- TCP\n");
    tcp();
    printf("-- UDP\n");
    udp();
    printf("-- passing descriptors\n");
    passing_descriptors();
    printf("-- descriptor limit\n");
    descriptor_limit();
    call(CHECK_SYS_unlinkat, CHECK_AT_FDCWD, (long)folder, CHECK_AT_REMOVEDIR, 0, 0, 0);
    return 0;
}
