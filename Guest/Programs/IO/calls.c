/*
 * calls.c: the C wrappers of interleave.h (Guest/Runtime/io.c) on pipes, sockets,
 * poll, select and epoll, each result printed (errors as negative errno), so the
 * output is compared byte for byte between Interleave's kernel and qemu-riscv64.
 *
 *   interleave run Guest/Programs/IO/calls.c
 *
 * Descriptor numbers are printed relative to each other: qemu-riscv64 may hold a
 * few descriptors of its own.
 */
#include "interleave.h"

static void show(const char *what, long result) { printf("%s = %ld\n", what, result); }

int main(void)
{
    interleave_signal_ignore(SIGPIPE);

    /* A pipe: write, poll, read, end of file, EAGAIN, EPIPE. */
    int ends[2];
    show("pipe", pipe(ends));
    printf("ends next to each other %d\n", ends[1] == ends[0] + 1);
    show("write", write(ends[1], "abcdef", 6));
    struct pollfd watch[2] = { { ends[0], POLLIN, 0 }, { ends[1], POLLOUT, 0 } };
    show("poll", poll(watch, 2, 0));
    printf("revents %d %d\n", watch[0].revents, watch[1].revents);
    char buffer[64];
    show("read 4", read(ends[0], buffer, 4));
    struct iovec pieces[2] = { { buffer, 1 }, { buffer + 1, 8 } };
    show("readv", readv(ends[0], pieces, 2));
    show("fcntl F_SETFL O_NONBLOCK", fcntl(ends[0], F_SETFL, O_NONBLOCK));
    show("fcntl F_GETFL & O_NONBLOCK", fcntl(ends[0], F_GETFL) & O_NONBLOCK);
    show("read empty non-blocking", read(ends[0], buffer, 4));
    show("dup2 to 30", dup2(ends[1], 30));
    show("close write end", close(ends[1]));
    show("read while a dup writes", read(ends[0], buffer, 4));
    show("close 30", close(30));
    show("read at end of file", read(ends[0], buffer, 4));
    show("close again", close(30));
    show("pipe2 O_CLOEXEC", pipe2(ends, O_CLOEXEC));
    show("fcntl F_GETFD", fcntl(ends[0], F_GETFD));
    show("close read end", close(ends[0]));
    show("write with no reader", write(ends[1], "x", 1));
    close(ends[1]);
    show("pipe bad pointer", pipe((int *)8));

    /* select on a socketpair. */
    int pair[2];
    show("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, pair));
    show("send", send(pair[0], "hello", 5, 0));
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(pair[0], &readable);
    FD_SET(pair[1], &readable);
    struct timeval zero = { 0, 0 };
    show("select", select(pair[1] + 1, &readable, NULL, NULL, &zero));
    printf("readable %d %d\n", (int)FD_ISSET(pair[0], &readable), (int)FD_ISSET(pair[1], &readable));
    show("recv", recv(pair[1], buffer, sizeof buffer, 0));
    show("recv MSG_DONTWAIT", recv(pair[1], buffer, sizeof buffer, MSG_DONTWAIT));
    show("shutdown SHUT_WR", shutdown(pair[0], SHUT_WR));
    show("recv after shutdown", recv(pair[1], buffer, sizeof buffer, 0));
    show("send after shutdown", send(pair[0], "x", 1, MSG_NOSIGNAL));

    /* epoll: level, edge, one-shot. */
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    printf("epoll_create1 ok %d\n", epoll >= 0);
    struct epoll_event event = { EPOLLIN, { .u64 = 0x1234 } };
    show("epoll_ctl add", epoll_ctl(epoll, EPOLL_CTL_ADD, pair[1], &event));
    show("epoll_ctl add again", epoll_ctl(epoll, EPOLL_CTL_ADD, pair[1], &event));
    show("send to the other end", send(pair[1], "back", 4, 0));
    struct epoll_event ready[4];
    show("epoll_wait: the end of stream is readable", epoll_wait(epoll, ready, 4, 0));
    event.events = EPOLLOUT | EPOLLET;
    show("epoll_ctl mod edge out", epoll_ctl(epoll, EPOLL_CTL_MOD, pair[1], &event));
    show("epoll_wait edge", epoll_wait(epoll, ready, 4, 0));
    printf("event %u data %lx\n", ready[0].events, (unsigned long)ready[0].data.u64);
    show("epoll_wait edge again", epoll_wait(epoll, ready, 4, 0));
    event.events = EPOLLIN | EPOLLONESHOT;
    show("epoll_ctl add one-shot", epoll_ctl(epoll, EPOLL_CTL_ADD, pair[0], &event));
    show("epoll_wait one-shot", epoll_wait(epoll, ready, 4, 0));
    show("epoll_wait one-shot again", epoll_wait(epoll, ready, 4, 0));
    show("epoll_ctl del", epoll_ctl(epoll, EPOLL_CTL_DEL, pair[1], NULL));
    show("epoll_ctl del again", epoll_ctl(epoll, EPOLL_CTL_DEL, pair[1], NULL));
    show("epoll_ctl on itself", epoll_ctl(epoll, EPOLL_CTL_ADD, epoll, &event));
    close(epoll);
    close(pair[0]);
    close(pair[1]);

    /* TCP on 127.0.0.1 and the errors of addresses. */
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    show("setsockopt SO_REUSEADDR", setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    struct sockaddr_in address = { AF_INET, 0, { htonl(INADDR_LOOPBACK) }, { 0 } };
    show("bind", bind(listener, (struct sockaddr *)&address, sizeof address));
    show("listen", listen(listener, 4));
    socklen_t length = sizeof address;
    show("getsockname", getsockname(listener, (struct sockaddr *)&address, &length));
    printf("length %u family %u port>0 %d address %x\n", length, address.sin_family, address.sin_port != 0,
           ntohl(address.sin_addr.s_addr));
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    show("connect", connect(client, (struct sockaddr *)&address, sizeof address));
    show("connect again", connect(client, (struct sockaddr *)&address, sizeof address));
    int server = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
    printf("accept4 ok %d\n", server >= 0);
    show("accept4 none waiting (non-blocking listener)", (fcntl(listener, F_SETFL, O_NONBLOCK),
         accept(listener, NULL, NULL)));
    show("sendto", sendto(client, "tcp bytes", 9, 0, NULL, 0));
    struct sockaddr_in from;
    socklen_t fromLength = sizeof from;
    show("recvfrom", recvfrom(server, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &fromLength));
    int size = 0;
    socklen_t sizeLength = sizeof size;
    show("getsockopt SO_TYPE", getsockopt(server, SOL_SOCKET, SO_TYPE, &size, &sizeLength));
    printf("type %d\n", size);
    int second = socket(AF_INET, SOCK_STREAM, 0);
    show("bind a taken port", bind(second, (struct sockaddr *)&address, sizeof address));
    close(second);
    close(client);
    close(server);
    close(listener);
    int late = socket(AF_INET, SOCK_STREAM, 0);
    show("connect to a closed port", connect(late, (struct sockaddr *)&address, sizeof address));
    close(late);
    show("bind on a pipe", bind(0 + 1000, (struct sockaddr *)&address, sizeof address));
    show("pipe", pipe(ends));
    show("listen on a pipe", listen(ends[0], 1));
    show("socket bad family", socket(12345, SOCK_STREAM, 0));

    /* UDP: sendto and recvfrom with addresses. */
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in udpAddress = { AF_INET, 0, { htonl(INADDR_LOOPBACK) }, { 0 } };
    show("bind udp", bind(udp, (struct sockaddr *)&udpAddress, sizeof udpAddress));
    length = sizeof udpAddress;
    getsockname(udp, (struct sockaddr *)&udpAddress, &length);
    show("sendto self", sendto(udp, "dgram", 5, 0, (struct sockaddr *)&udpAddress, sizeof udpAddress));
    struct iovec piece = { buffer, sizeof buffer };
    struct msghdr message = { &from, sizeof from, &piece, 1, NULL, 0, 0 };
    show("recvmsg", recvmsg(udp, &message, 0));
    printf("from self %d\n", from.sin_port == udpAddress.sin_port);
    close(udp);

    /* The descriptor limit. */
    struct rlimit limit;
    show("getrlimit", getrlimit(RLIMIT_NOFILE, &limit));
    struct rlimit small = { 16, limit.rlim_max };
    show("setrlimit 16", setrlimit(RLIMIT_NOFILE, &small));
    int opened = 0;
    long last = 0;
    while ((last = dup(0)) >= 0)
        opened++;
    printf("dup until %ld after some %d\n", last, opened > 0);
    show("pipe past the limit", pipe(ends));
    show("epoll_create1 past the limit", epoll_create1(0));
    show("socket past the limit", socket(AF_UNIX, SOCK_STREAM, 0));
    return 0;
}
