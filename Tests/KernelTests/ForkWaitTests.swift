// fork, wait4 and waitid the Linux way (issue 16): static glibc programs that fork, run
// under the kernel and under qemu-riscv64 with the same standard output and status
// wherever the output does not depend on the schedule (the parent waits before it prints).

import Kernel
import Testing

/// A run of a glibc program with its standard output and error apart.
struct GlibcRun {
    var ending: ProcessEnding
    var output: String
    var error: String
    var statistics: KernelStatistics
}

/// Runs `elf` as "parent" with `programs` (name → ELF) among the run's programs.
func runGlibc(_ elf: [UInt8], programs: [String: [UInt8]] = [:], environment: [String] = [],
              configure: (inout KernelConfiguration) -> Void = { _ in }) throws -> GlibcRun {
    var configuration = KernelConfiguration()
    configuration.memoryLimit = 64 << 20
    configure(&configuration)
    let streams = CapturedStreams()
    let kernel = try Kernel(executable: elf, name: "parent", arguments: [], environment: environment,
                            configuration: configuration, io: streams.io, programs: programs)
    let ending = kernel.run()
    return GlibcRun(ending: ending, output: streams.text, error: String(decoding: streams.error, as: UTF8.self),
                    statistics: kernel.statistics)
}

/// Runs under the kernel and under qemu; expects the same standard output and status.
func expectSameAsQemu(_ elf: [UInt8], status expected: Int32, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let result = try runGlibc(elf)
    let reference = try GuestPrograms.runUnderQemu(elf)
    #expect(result.output == String(decoding: reference.output, as: UTF8.self), "stderr: \(result.error)",
            sourceLocation: sourceLocation)
    #expect(reference.status == expected, sourceLocation: sourceLocation)
    #expect(result.ending.status == expected, "\(result.ending)", sourceLocation: sourceLocation)
}

@Suite struct ForkWaitTests {
    @Test(.needsGlibcToolchain, .needsQemu)
    func childWritesItsOwnCopies() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <unistd.h>
            #include <sys/wait.h>
            enum { size = 256 * 1024 };
            int global = 1;
            int main(void) {
                int local = 10;
                char *heap = malloc(size);
                memset(heap, 'p', size);
                fflush(stdout);
                pid_t pid = fork();
                if (pid < 0) { perror("fork"); return 1; }
                if (pid == 0) {
                    global = 2; local = 20; memset(heap, 'c', size);
                    printf("child: global %d local %d heap %c%c parent %d\\n", global, local, heap[0], heap[size - 1],
                           getppid() != getpid());
                    exit(3);
                }
                int status = 0;
                pid_t waited = waitpid(pid, &status, 0);
                printf("parent: waited %d exited %d status %d global %d local %d heap %c%c\\n", waited == pid,
                       WIFEXITED(status), WEXITSTATUS(status), global, local, heap[0], heap[size - 1]);
                return 0;
            }
            """, name: "fork-cow")
        try expectSameAsQemu(elf, status: 0)
        let result = try runGlibc(elf)
        #expect(result.output.contains("parent: waited 1 exited 1 status 3 global 1 local 10 heap pp"))
        #expect(result.statistics.processes.count == 2)
        #expect(result.statistics.processes.last?.parentID == 1)
    }

    @Test(.needsGlibcToolchain, .needsQemu)
    func pipeEndsAreCountedInBothProcesses() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <stdio.h>
            #include <stdlib.h>
            #include <unistd.h>
            #include <sys/wait.h>
            int main(void) {
                int fds[2];
                if (pipe(fds) != 0) return 1;
                fflush(stdout);
                pid_t pid = fork();
                if (pid == 0) {
                    close(fds[1]);   // else the read never sees end of file
                    char buffer[64]; ssize_t n; size_t total = 0;
                    while ((n = read(fds[0], buffer, sizeof buffer)) > 0) total += (size_t)n;
                    printf("child read %zu bytes, then end of file (%zd)\\n", total, n);
                    exit(0);
                }
                close(fds[0]);
                for (int i = 0; i < 1000; i++) write(fds[1], "0123456789", 10);
                close(fds[1]);
                int status;
                waitpid(pid, &status, 0);
                printf("parent: child exited %d with %d\\n", WIFEXITED(status), WEXITSTATUS(status));
                return 0;
            }
            """, name: "fork-pipe")
        try expectSameAsQemu(elf, status: 0)
    }

    @Test(.needsGlibcToolchain, .needsQemu)
    func statusesOfExitsAndSignals() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <errno.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <unistd.h>
            #include <sys/wait.h>
            int main(void) {
                fflush(stdout);
                pid_t crasher = fork();
                if (crasher == 0) { volatile int *null = 0; *null = 1; _exit(0); }
                pid_t big = fork();
                if (big == 0) exit(300);
                pid_t quiet = fork();
                if (quiet == 0) _exit(0);
                int status;
                waitpid(crasher, &status, 0);
                printf("crasher: exited %d signalled %d signal %d\\n", WIFEXITED(status), WIFSIGNALED(status), WTERMSIG(status));
                waitpid(big, &status, 0);
                printf("exit(300): exited %d status %d\\n", WIFEXITED(status), WEXITSTATUS(status));
                pid_t any = wait(&status);
                printf("wait: the last child %d, status %d\\n", any == quiet, status);
                errno = 0;
                pid_t none = wait(&status);
                printf("wait with no child: %d, ECHILD %d\\n", none, errno == ECHILD);
                return 0;
            }
            """, name: "fork-statuses")
        try expectSameAsQemu(elf, status: 0)
        let result = try runGlibc(elf)
        #expect(result.error.contains("segmentation fault (SIGSEGV)"))
    }

    @Test(.needsGlibcToolchain, .needsQemu)
    func noHangWaitIDAndResourceUsage() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <errno.h>
            #include <signal.h>
            #include <stdio.h>
            #include <string.h>
            #include <unistd.h>
            #include <sys/resource.h>
            #include <sys/wait.h>
            int main(void) {
                int fds[2];
                pipe(fds);
                fflush(stdout);
                pid_t pid = fork();
                if (pid == 0) { char c; read(fds[0], &c, 1); _exit(7); }
                int status = -1;
                printf("WNOHANG before it ends: %d\\n", waitpid(pid, &status, WNOHANG));
                printf("wait for the process group: %d\\n", waitpid(0, &status, WNOHANG));
                write(fds[1], "x", 1);
                siginfo_t info;
                memset(&info, 0xff, sizeof info);
                int r = waitid(P_PID, pid, &info, WEXITED | WNOWAIT);
                printf("waitid WNOWAIT: %d signo %d code %d pid %d status %d\\n", r, info.si_signo == SIGCHLD,
                       info.si_code == CLD_EXITED, info.si_pid == pid, info.si_status);
                struct rusage usage;
                memset(&usage, 0, sizeof usage);
                pid_t waited = wait4(pid, &status, 0, &usage);
                printf("wait4: %d status %d maxrss %d\\n", waited == pid, WEXITSTATUS(status), usage.ru_maxrss > 0);
                errno = 0;
                printf("wait4 again: %d ECHILD %d\\n", (int)wait4(pid, &status, WNOHANG, 0), errno == ECHILD);
                errno = 0;
                printf("waitid without WEXITED: %d EINVAL %d\\n", waitid(P_ALL, 0, &info, 0), errno == EINVAL);
                errno = 0;
                printf("wait4 with an unknown option: %d EINVAL %d\\n", (int)wait4(-1, &status, 0x100, 0), errno == EINVAL);
                pid = fork();
                if (pid == 0) _exit(0);
                memset(&info, 0xff, sizeof info);
                while ((r = waitid(P_ALL, 0, &info, WEXITED | WNOHANG)) == 0 && info.si_pid == 0) sched_yield();
                printf("waitid WNOHANG loop: %d pid %d code %d\\n", r, info.si_pid == pid, info.si_code == CLD_EXITED);
                return 0;
            }
            """, name: "fork-wait-options")
        try expectSameAsQemu(elf, status: 0)
    }

    @Test(.needsGlibcToolchain, .needsQemu)
    func ignoringSIGCHLDLeavesNoZombies() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <errno.h>
            #include <signal.h>
            #include <stdio.h>
            #include <unistd.h>
            #include <sys/wait.h>
            int main(void) {
                signal(SIGCHLD, SIG_IGN);
                fflush(stdout);
                pid_t pid = fork();
                if (pid == 0) _exit(4);
                int status;
                errno = 0;
                pid_t r = waitpid(pid, &status, 0);   // waits for the child, then finds nothing
                printf("waitpid: %d ECHILD %d\\n", r, errno == ECHILD);
                return 0;
            }
            """, name: "fork-nozombies")
        try expectSameAsQemu(elf, status: 0)
    }

    /// Every fork shares the parent's pages and every write copies one: 100 children that
    /// each dirty 512 KiB fit in 24 MiB only if each child's frames come back.
    @Test(.needsGlibcToolchain)
    func framesComeBackAfterEveryChild() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <unistd.h>
            #include <sys/wait.h>
            enum { size = 512 << 10 };
            int main(void) {
                char *buffer = malloc(size);
                memset(buffer, 1, size);
                long total = 0;
                for (int i = 0; i < 100; i++) {
                    pid_t pid = fork();
                    if (pid < 0) { printf("fork %d failed\\n", i); return 1; }
                    if (pid == 0) { memset(buffer, i, size); _exit(buffer[size / 2] == (char)i ? 0 : 1); }
                    int status;
                    waitpid(pid, &status, 0);
                    total += WEXITSTATUS(status);
                }
                printf("100 children, %ld failures, buffer still %d\\n", total, buffer[size - 1]);
                return 0;
            }
            """, name: "fork-many")
        let result = try runGlibc(elf) { $0.memoryLimit = 24 << 20 }
        #expect(result.output == "100 children, 0 failures, buffer still 1\n", "\(result.ending) \(result.error)")
        #expect(result.ending.status == 0)
    }

    @Test(.needsGlibcToolchain)
    func forkStopsAtTheProcessLimit() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <errno.h>
            #include <stdio.h>
            #include <unistd.h>
            #include <sys/wait.h>
            int main(void) {
                int made = 0;
                int fds[2];
                pipe(fds);
                for (;;) {
                    pid_t pid = fork();
                    if (pid == 0) { close(fds[1]); char c; read(fds[0], &c, 1); _exit(0); }
                    if (pid < 0) { printf("made %d, then errno EAGAIN %d\\n", made, errno == EAGAIN); break; }
                    made++;
                }
                close(fds[1]);
                int reaped = 0;
                while (wait(NULL) > 0) reaped++;
                printf("reaped %d\\n", reaped);
                return 0;
            }
            """, name: "fork-limit")
        let result = try runGlibc(elf) { $0.processLimit = 10 }
        #expect(result.output == "made 9, then errno EAGAIN 1\nreaped 9\n", "\(result.ending) \(result.error)")
    }

    @Test(.needsGlibcToolchain)
    func forkedRunsRepeat() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <stdio.h>
            #include <unistd.h>
            #include <sys/wait.h>
            int main(void) {
                for (int i = 0; i < 4; i++) {
                    if (fork() == 0) { for (int j = 0; j < 3; j++) { printf("child %d line %d\\n", i, j); fflush(stdout); sched_yield(); } _exit(i); }
                }
                int status, sum = 0;
                while (wait(&status) > 0) sum += WEXITSTATUS(status);
                printf("sum %d\\n", sum);
                return 0;
            }
            """, name: "fork-repeat")
        for harts in [1, 2] {
            let first = try runGlibc(elf) { $0.harts = harts; $0.scheduling = .roundRobin(sliceCycles: 20_000, tickCycles: nil); $0.seed = 7 }
            let second = try runGlibc(elf) { $0.harts = harts; $0.scheduling = .roundRobin(sliceCycles: 20_000, tickCycles: nil); $0.seed = 7 }
            #expect(first.output == second.output)
            #expect(first.statistics.cycles == second.statistics.cycles)
            #expect(first.output.hasSuffix("sum 6\n"), "\(first.output) \(first.error)")
        }
    }

    /// MAP_SHARED memory stays shared across fork (a counter, and a process-shared
    /// semaphore ping-pong); MAP_PRIVATE memory is copied.
    @Test(.needsGlibcToolchain, .needsQemu)
    func sharedMappingsStayShared() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <semaphore.h>
            #include <stdio.h>
            #include <sys/mman.h>
            #include <sys/wait.h>
            #include <unistd.h>
            struct board { sem_t ping, pong; int counter; };
            int main(void) {
                struct board *board = mmap(NULL, sizeof *board, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
                int *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                sem_init(&board->ping, 1, 0);
                sem_init(&board->pong, 1, 0);
                *private = 1;
                fflush(stdout);
                pid_t pid = fork();
                if (pid == 0) {
                    for (int i = 0; i < 5; i++) { sem_wait(&board->ping); board->counter += 10; sem_post(&board->pong); }
                    *private = 2;
                    _exit(0);
                }
                for (int i = 0; i < 5; i++) {
                    board->counter += 1;
                    sem_post(&board->ping);
                    sem_wait(&board->pong);
                    printf("round %d: counter %d\\n", i, board->counter);
                }
                waitpid(pid, NULL, 0);
                printf("private %d\\n", *private);
                return 0;
            }
            """, name: "fork-shared")
        try expectSameAsQemu(elf, status: 0)
    }

    /// Hostile clone flags and waits: refused with Linux's errors, never a crash.
    @Test(.needsGlibcToolchain)
    func badCloneFlagsAndWaitArguments() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <errno.h>
            #include <signal.h>
            #include <stdio.h>
            #include <sys/syscall.h>
            #include <sys/wait.h>
            #include <unistd.h>
            static void check(const char *what, long result, int expected) {
                printf("%s: %ld %s\\n", what, result, result == -1 && errno == expected ? "ok" : "WRONG");
                errno = 0;
            }
            int main(void) {
                check("namespace", syscall(SYS_clone, 0x20000 | SIGCHLD, 0, 0, 0, 0), EINVAL);
                check("exit signal 65", syscall(SYS_clone, 65, 0, 0, 0, 0), EINVAL);
                check("sighand without vm", syscall(SYS_clone, 0x800 | SIGCHLD, 0, 0, 0, 0), EINVAL);
                check("waitid P_PIDFD", syscall(SYS_waitid, 3, 0, 0, WEXITED, 0), EINVAL);
                check("waitid pid 0", syscall(SYS_waitid, P_PID, 0, 0, WEXITED, 0), EINVAL);
                check("wait4 INT_MIN", syscall(SYS_wait4, -2147483647 - 1, 0, 0, 0), ESRCH);
                check("no children", syscall(SYS_wait4, -1, 0, 0, 0), ECHILD);
                fflush(stdout);
                pid_t pid = fork();
                if (pid == 0) _exit(3);
                check("status to a bad address", syscall(SYS_wait4, pid, (void *)8, 0, 0), EFAULT);
                check("then it is gone", syscall(SYS_wait4, pid, 0, 0, 0), ECHILD);
                static char *many[70000];
                static char text[4096];
                for (int i = 0; i < 4095; i++) text[i] = 'a';
                for (int i = 0; i < 69999; i++) many[i] = text;
                check("huge argv", syscall(SYS_execve, "/bin/parent", many, 0), E2BIG);
                return 0;
            }
            """, name: "fork-hostile")
        let result = try runGlibc(elf)
        #expect(!result.output.contains("WRONG"), "\(result.output)")
        #expect(result.output.components(separatedBy: "ok\n").count == 11, "\(result.output) \(result.error)")
        #expect(result.ending.status == 0)
    }

    /// fork in a threaded process: the child has only the thread that forked; another
    /// thread of the parent may wait for the child (children belong to the process).
    @Test(.needsGlibcToolchain, .needsQemu)
    func forkFromAThreadAndWaitFromAnother() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <pthread.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <unistd.h>
            #include <sys/wait.h>
            static pid_t child;
            static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
            static pthread_cond_t forked = PTHREAD_COND_INITIALIZER;
            static int counter;
            static void *forker(void *unused) {
                pthread_mutex_lock(&lock);
                counter = 41;
                fflush(stdout);
                child = fork();
                if (child == 0) {
                    counter += 1;   // its own copy; the mutex is held in this copy too
                    pthread_mutex_unlock(&lock);
                    printf("child: counter %d\\n", counter);
                    exit(6);
                }
                pthread_cond_signal(&forked);
                pthread_mutex_unlock(&lock);
                return NULL;
            }
            static void *waiter(void *unused) {
                pthread_mutex_lock(&lock);
                while (child == 0) pthread_cond_wait(&forked, &lock);
                pid_t pid = child;
                pthread_mutex_unlock(&lock);
                int status;
                pid_t waited = waitpid(pid, &status, 0);
                printf("waiter: waited %d status %d\\n", waited == pid, WEXITSTATUS(status));
                return NULL;
            }
            int main(void) {
                pthread_t a, b;
                pthread_create(&b, NULL, waiter, NULL);
                pthread_create(&a, NULL, forker, NULL);
                pthread_join(a, NULL);
                pthread_join(b, NULL);
                printf("parent: counter %d\\n", counter);
                return 0;
            }
            """, name: "fork-threads")
        try expectSameAsQemu(elf, status: 0)
        for harts in [1, 4] {
            let result = try runGlibc(elf) { $0.harts = harts; $0.scheduling = .roundRobin(sliceCycles: 5_000, tickCycles: nil) }
            #expect(result.output == "child: counter 42\nwaiter: waited 1 status 6\nparent: counter 41\n", "\(result.ending) \(result.error)")
        }
    }
}
