// Robust futexes: a thread that dies holding a robust mutex (plain or PI) leaves it
// FUTEX_OWNER_DIED, so the next locker gets EOWNERDEAD, both when the next locker already
// sleeps on it and when it comes later; and hostile robust lists (a loop, an unmapped
// entry, a misaligned word) end the walk without hanging or harming anything. qemu-riscv64
// cannot be the reference here: it answers set_robust_list with ENOSYS.

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_mutex_t robust;

static void *lockAndDie(void *unused) {
    pthread_mutex_lock(&robust);
    return unused;   // ends without unlocking
}

/// Locks `robust`, waits until another thread sleeps on it, then dies holding it.
static void *lockWaitForSleeperAndDie(void *unused) {
    pthread_mutex_lock(&robust);
    while (!(__atomic_load_n((unsigned *)&robust.__data.__lock, __ATOMIC_ACQUIRE) & FUTEX_WAITERS)) sched_yield();
    return unused;
}

static void check(const char *what, int protocol) {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_setprotocol(&attributes, protocol);
    int made = pthread_mutex_init(&robust, &attributes);
    pthread_t thread;
    pthread_create(&thread, 0, lockAndDie, 0);
    pthread_join(thread, 0);
    int later = pthread_mutex_lock(&robust);
    int consistent = pthread_mutex_consistent(&robust);
    int unlocked = pthread_mutex_unlock(&robust);
    int again = pthread_mutex_lock(&robust);
    pthread_mutex_unlock(&robust);
    pthread_create(&thread, 0, lockWaitForSleeperAndDie, 0);
    while (!(__atomic_load_n((unsigned *)&robust.__data.__lock, __ATOMIC_ACQUIRE) & FUTEX_TID_MASK)) sched_yield();
    int waited = pthread_mutex_lock(&robust);   // sleeps until the owner dies
    pthread_mutex_consistent(&robust);
    pthread_mutex_unlock(&robust);
    pthread_join(thread, 0);
    printf("%s: init %d; after the owner died: %s, consistent %d, unlock %d, then %d; a sleeper gets %s\n", what, made,
           later == EOWNERDEAD ? "EOWNERDEAD" : strerror(later), consistent, unlocked, again,
           waited == EOWNERDEAD ? "EOWNERDEAD" : strerror(waited));
}

// A hand-made robust list, as struct robust_list_head lays it out.
struct Entry { struct Entry *next; uint32_t word; };
struct Head { struct Entry *next; long offset; struct Entry *pending; };
static struct Head head;
static struct Entry loop, unmappedLink, misaligned;
static uint32_t tidWord;

static void *dieWithList(void *which) {
    uint32_t tid = syscall(SYS_gettid);
    long offset = (long)&((struct Entry *)0)->word;
    head = (struct Head){0, offset, 0};
    switch ((int)(intptr_t)which) {
    case 0:   // an entry whose next is itself: the walk stops after 2,048 steps
        loop.next = &loop;
        loop.word = tid;
        head.next = &loop;
        break;
    case 1:   // an entry whose next is unmapped: the walk stops there
        unmappedLink.next = (struct Entry *)0x10;
        unmappedLink.word = tid;
        head.next = &unmappedLink;
        break;
    case 2:   // a futex offset that makes the word misaligned: nothing is touched
        misaligned.next = (struct Entry *)&head;
        misaligned.word = tid;
        head.next = &misaligned;
        head.offset = offset + 1;
        break;
    default:  // the pending entry alone, a word another thread owns: left alone
        tidWord = 1234;
        head.next = (struct Entry *)&head;
        head.offset = (long)((char *)&tidWord - (char *)&misaligned);
        head.pending = &misaligned;
        break;
    }
    syscall(SYS_set_robust_list, &head, sizeof head);
    return 0;
}

int main(void) {
    check("robust mutex", PTHREAD_PRIO_NONE);
    check("robust PI mutex", PTHREAD_PRIO_INHERIT);
    const char *names[] = {"a looping list", "a list into unmapped memory", "a misaligned word", "a word another owns"};
    for (int i = 0; i < 4; i++) {
        pthread_t thread;
        pthread_create(&thread, 0, dieWithList, (void *)(intptr_t)i);
        pthread_join(thread, 0);
    }
    printf("%s: word %x\n", names[0], loop.word);
    printf("%s: word %x\n", names[1], unmappedLink.word & ~FUTEX_TID_MASK);
    printf("%s: word is the tid %d\n", names[2], misaligned.word != 0 && !(misaligned.word & ~FUTEX_TID_MASK));
    printf("%s: word %u\n", names[3], tidWord);
    struct Head *got = 0;
    size_t length = 0;
    long result = syscall(SYS_get_robust_list, 0, &got, &length);
    printf("get_robust_list: %ld, length %zu, a list %d\n", result, length, got != 0);
    return 0;
}
