// Go's garbage collector and standard library on Interleave's kernel (issue 16): four
// goroutines allocate and drop linked lists while the collector runs beside them (its
// stop-the-world phases preempt goroutines with signals), then maps, a file in /tmp and
// os.Executable (readlinkat of /proc/self/exe). The output is the same under qemu-riscv64.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
)

type node struct {
	next  *node
	value []byte
}

// churn builds a list of byte slices, dropping it every 500 nodes, and returns the bytes it made.
func churn(rounds int) int {
	var head *node
	total := 0
	for index := 0; index < rounds; index++ {
		head = &node{next: head, value: make([]byte, 64+index%200)}
		total += len(head.value)
		if index%500 == 0 {
			head = nil
		}
	}
	return total
}

func main() {
	var wg sync.WaitGroup
	totals := make([]int, 4)
	for worker := range totals {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			totals[worker] = churn(6000 + 1000*worker)
		}(worker)
	}
	wg.Wait()
	runtime.GC()
	var memory runtime.MemStats
	runtime.ReadMemStats(&memory)
	fmt.Println("allocated:", totals, "collections ran:", memory.NumGC > 0)

	counts := map[string]int{}
	for index := 0; index < 1000; index++ {
		counts[fmt.Sprint(index%37)]++
	}
	fmt.Println("keys:", len(counts), "of 5:", counts["5"])

	file, err := os.CreateTemp("", "interleave-go-")
	if err != nil {
		fmt.Println("CreateTemp:", err)
		os.Exit(1)
	}
	file.WriteString("written and read back")
	file.Close()
	data, err := os.ReadFile(file.Name())
	os.Remove(file.Name())
	fmt.Println("file:", string(data), err)

	executable, err := os.Executable()
	fmt.Println("executable is absolute:", strings.HasPrefix(executable, "/"), err)
}
