// execve, vfork and posix_spawn (issue 16): a glibc parent starts one of the run's
// programs or an ELF file of the file system; close-on-exec, argv and envp, the errors
// of a failed exec, and the vfork parent that waits until its child execs or exits.

import Foundation
import Kernel
import Testing

/// A child that reports what it was given: its argv, an environment variable, and
/// which of the descriptors named in its arguments are open.
private let childSource = """
    #include <fcntl.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <unistd.h>
    int main(int argc, char **argv) {
        printf("child pid-same %d argc %d:", argv[argc - 1] && atoi(argv[argc - 1]) == getpid(), argc);
        for (int i = 0; i < argc; i++) printf(" [%s]", argv[i]);
        printf(" GREETING=%s", getenv("GREETING") ? getenv("GREETING") : "(none)");
        for (int i = 1; i < argc; i++) if (strncmp(argv[i], "fd", 2) == 0) {
            int fd = atoi(argv[i] + 2);
            printf(" fd%d:%s", fd, fcntl(fd, F_GETFD) >= 0 ? "open" : "closed");
        }
        printf("\\n");
        return 5;
    }
    """

@Suite struct ExecTests {
    @Test(.needsGlibcToolchain)
    func forkThenExecTheRunsProgram() throws {
        let child = try GlibcPrograms.build(source: childSource, name: "child")
        let parent = try GlibcPrograms.build(source: """
            #define _GNU_SOURCE
            #include <errno.h>
            #include <fcntl.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <unistd.h>
            #include <sys/wait.h>
            int main(void) {
                int kept[2], closing[2];
                pipe(kept);
                pipe2(closing, O_CLOEXEC);
                fflush(stdout);
                pid_t pid = fork();
                if (pid == 0) {
                    char keptName[16], closingName[16], self[16];
                    snprintf(keptName, sizeof keptName, "fd%d", kept[0]);
                    snprintf(closingName, sizeof closingName, "fd%d", closing[0]);
                    snprintf(self, sizeof self, "%d", getpid());
                    char *argv[] = { "child", keptName, closingName, self, NULL };
                    char *envp[] = { "GREETING=hello", NULL };
                    execve("/bin/child", argv, envp);
                    perror("execve");
                    _exit(127);
                }
                int status;
                waitpid(pid, &status, 0);
                printf("parent: child exited %d with %d\\n", WIFEXITED(status), WEXITSTATUS(status));
                // Not flushed: standard output is a pipe, so the line waits in the buffer; the
                // child's exec drops its copy of it.
                if (fork() == 0) { execlp("child", "child", "by", "PATH", (char *)0); _exit(127); }
                wait(&status);
                printf("parent: execlp child exited with %d\\n", WEXITSTATUS(status));
                char *none[] = { "x", NULL };
                errno = 0; execve("/bin/nothing-here", none, none); printf("missing: ENOENT %d\\n", errno == ENOENT);
                errno = 0; execve("/tmp", none, none); printf("directory: EACCES %d\\n", errno == EACCES);
                errno = 0; execve((char *)8, none, none); printf("bad path: EFAULT %d\\n", errno == EFAULT);
                errno = 0; execve("/bin/child", (char **)8, none); printf("bad argv: EFAULT %d\\n", errno == EFAULT);
                int text = open("/tmp/script", O_CREAT | O_WRONLY, 0755);
                write(text, "echo hi\\n", 8);
                close(text);
                errno = 0; execve("/tmp/script", none, none); printf("not ELF: ENOEXEC %d\\n", errno == ENOEXEC);
                return 0;
            }
            """, name: "exec-parent")
        let result = try runGlibc(parent, programs: ["child": child])
        #expect(result.output == """
            child pid-same 1 argc 4: [child] [fd3] [fd5] [2] GREETING=hello fd3:open fd5:closed
            child pid-same 0 argc 3: [child] [by] [PATH] GREETING=(none)
            parent: child exited 1 with 5
            parent: execlp child exited with 5
            missing: ENOENT 1
            directory: EACCES 1
            bad path: EFAULT 1
            bad argv: EFAULT 1
            not ELF: ENOEXEC 1

            """, "\(result.ending)\n\(result.error)")
        #expect(result.ending.status == 0)
        let names = result.statistics.processes.map(\.name)
        #expect(names == ["parent", "child", "child"])
    }

    @Test(.needsGlibcToolchain)
    func execAnELFFileOfTheFileSystem() throws {
        let child = try GlibcPrograms.build(source: childSource, name: "child")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("interleave-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tool").path
        try Data(child).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        let plain = folder.appendingPathComponent("plain").path
        try Data(child).write(to: URL(fileURLWithPath: plain))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: plain)
        let parent = try GlibcPrograms.build(source: """
            #include <errno.h>
            #include <stdio.h>
            #include <unistd.h>
            #include <sys/wait.h>
            int main(void) {
                char *none[] = { "plain", NULL };
                errno = 0; execv("/mnt/plain", none); printf("no execute bit: EACCES %d\\n", errno == EACCES);
                fflush(stdout);
                pid_t pid = fork();
                if (pid == 0) { execl("/mnt/tool", "tool", "from", "disk", (char *)0); perror("execl"); _exit(127); }
                int status;
                waitpid(pid, &status, 0);
                printf("parent: %d\\n", WEXITSTATUS(status));
                return 0;
            }
            """, name: "exec-file")
        let result = try runGlibc(parent) { $0.mounts = [MountPoint(hostPath: folder.path, guestPath: "/mnt")] }
        #expect(result.output == """
            no execute bit: EACCES 1
            child pid-same 0 argc 3: [tool] [from] [disk] GREETING=(none)
            parent: 5

            """, "\(result.ending)\n\(result.error)")
        #expect(result.statistics.processes.map(\.name) == ["parent", "tool"])
    }

    @Test(.needsGlibcToolchain)
    func vforkAndPosixSpawn() throws {
        let child = try GlibcPrograms.build(source: childSource, name: "child")
        let parent = try GlibcPrograms.build(source: """
            #include <errno.h>
            #include <spawn.h>
            #include <stdio.h>
            #include <string.h>
            #include <unistd.h>
            #include <sys/wait.h>
            extern char **environ;
            int shared = 1;
            int main(void) {
                fflush(stdout);
                pid_t pid = vfork();
                if (pid == 0) { shared = 2; _exit(9); }   // the parent waits, and sees the write
                int status;
                waitpid(pid, &status, 0);
                printf("vfork: status %d, shared %d\\n", WEXITSTATUS(status), shared);
                char *argv[] = { "child", "spawned", NULL };
                char *envp[] = { "GREETING=spawn", NULL };
                int r = posix_spawn(&pid, "/bin/child", NULL, NULL, argv, envp);
                waitpid(pid, &status, 0);
                printf("posix_spawn: %d, status %d\\n", r, WEXITSTATUS(status));
                r = posix_spawnp(&pid, "child", NULL, NULL, argv, environ);
                waitpid(pid, &status, 0);
                printf("posix_spawnp: %d, status %d\\n", r, WEXITSTATUS(status));
                r = posix_spawn(&pid, "/bin/missing", NULL, NULL, argv, envp);
                printf("posix_spawn of nothing: %s\\n", strerror(r));
                return 0;
            }
            """, name: "spawn-parent")
        let result = try runGlibc(parent, programs: ["child": child])
        #expect(result.output == """
            child pid-same 0 argc 2: [child] [spawned] GREETING=spawn
            child pid-same 0 argc 2: [child] [spawned] GREETING=(none)
            vfork: status 9, shared 2
            posix_spawn: 0, status 5
            posix_spawnp: 0, status 5
            posix_spawn of nothing: No such file or directory

            """, "\(result.ending)\n\(result.error)")
        #expect(result.ending.status == 0)
    }

    /// execve ends the process's other threads; from a thread that is not the main one,
    /// the program goes on under the pid (threads made with the kernel's thread_spawn).
    @Test(.needsGlibcToolchain)
    func execEndsTheOtherThreads() throws {
        let child = try GlibcPrograms.build(source: childSource, name: "child")
        let parent = try GlibcPrograms.build(source: """
            #include <stdio.h>
            #include <stdlib.h>
            #include <unistd.h>
            static char *fromThread[] = { "child", "from", "thread", "1", NULL };
            static char *fromMain[] = { "child", "from", "main", "1", NULL };
            static void yieldForever(long unused) {
                for (;;) { register long a7 asm("a7") = 124; asm volatile("ecall" : : "r"(a7) : "a0", "memory"); }
            }
            static void execute(long unused) {
                register long a0 asm("a0") = (long)"/bin/child";
                register long a1 asm("a1") = (long)fromThread;
                register long a2 asm("a2") = 0;
                register long a7 asm("a7") = 221;
                asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
                yieldForever(0);
            }
            static long spawn(void (*entry)(long)) { return syscall(0x1000, entry, 0, 65536, 0); }
            int main(int argc, char **argv) {
                spawn(yieldForever);
                spawn(yieldForever);
                if (getenv("FROM_THREAD")) { spawn(execute); yieldForever(0); }
                execve("/bin/child", fromMain, NULL);
                return 1;
            }
            """, name: "exec-threads")
        let fromMain = try runGlibc(parent, programs: ["child": child])
        #expect(fromMain.output == "child pid-same 1 argc 4: [child] [from] [main] [1] GREETING=(none)\n", "\(fromMain.ending) \(fromMain.error)")
        #expect(fromMain.ending.status == 5)
        let fromThread = try runGlibc(parent, programs: ["child": child], environment: ["FROM_THREAD=1"])
        #expect(fromThread.output == "child pid-same 1 argc 4: [child] [from] [thread] [1] GREETING=(none)\n", "\(fromThread.ending) \(fromThread.error)")
        #expect(fromThread.ending.status == 5)
        #expect(fromThread.statistics.processes.count == 1)
    }

    /// Under DOS-style single-tasking the child a fork makes runs to its end before the
    /// parent goes on, as a program EXEC started did.
    @Test(.needsGlibcToolchain)
    func singleTaskingRunsTheChildFirst() throws {
        let parent = try GlibcPrograms.build(source: """
            #include <stdio.h>
            #include <unistd.h>
            int main(void) {
                setvbuf(stdout, NULL, _IONBF, 0);
                if (fork() == 0) { for (int i = 0; i < 3; i++) { printf("child %d\\n", i); sched_yield(); } return 0; }
                for (int i = 0; i < 3; i++) { printf("parent %d\\n", i); sched_yield(); }
                return 0;
            }
            """, name: "fork-dos")
        let result = try runGlibc(parent) { $0.scheduling = .singleTasking }
        #expect(result.output == "child 0\nchild 1\nchild 2\nparent 0\nparent 1\nparent 2\n", "\(result.ending) \(result.error)")
    }

    /// execve from a pthread: the other threads end and the program goes on under the pid.
    @Test(.needsGlibcToolchain)
    func execFromAPthread() throws {
        let child = try GlibcPrograms.build(source: childSource, name: "child")
        let parent = try GlibcPrograms.build(source: """
            #include <pthread.h>
            #include <stdio.h>
            #include <unistd.h>
            static void *spin(void *unused) { for (;;) sched_yield(); return NULL; }
            static void *run(void *unused) {
                char *argv[] = { "child", "from", "pthread", "1", NULL };
                execv("/bin/child", argv);
                perror("execv");
                return NULL;
            }
            int main(void) {
                pthread_t spinner, runner;
                pthread_create(&spinner, NULL, spin, NULL);
                pthread_create(&runner, NULL, run, NULL);
                pthread_join(runner, NULL);
                return 1;
            }
            """, name: "exec-pthread")
        for harts in [1, 2] {
            let result = try runGlibc(parent, programs: ["child": child]) { $0.harts = harts }
            #expect(result.output == "child pid-same 1 argc 4: [child] [from] [pthread] [1] GREETING=(none)\n", "\(result.ending) \(result.error)")
            #expect(result.ending.status == 5)
        }
    }
}
