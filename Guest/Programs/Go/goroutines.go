// Goroutines, channels, a mutex, a WaitGroup and runtime.Gosched (issue 16): a Go
// program built with GOARCH=riscv64 CGO_ENABLED=0 that runs unmodified under
// Interleave's kernel as under qemu-riscv64. Its output does not depend on the
// schedule: each worker's results are summed, and the pipeline keeps its order.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"
)

// worker adds its id to the shared total under the mutex, yielding between rounds, and
// reports how many rounds it did on the results channel.
func worker(id int, rounds int, mu *sync.Mutex, total *int, results chan<- [2]int, wg *sync.WaitGroup) {
	defer wg.Done()
	for round := 0; round < rounds; round++ {
		mu.Lock()
		*total += id
		mu.Unlock()
		runtime.Gosched()
	}
	results <- [2]int{id, rounds}
}

// pipeline passes numbers through three stages joined by unbuffered channels.
func pipeline(count int) []int {
	source := make(chan int)
	squares := make(chan int)
	out := make(chan int, count)
	go func() {
		for index := 1; index <= count; index++ {
			source <- index
		}
		close(source)
	}()
	go func() {
		for value := range source {
			squares <- value * value
		}
		close(squares)
	}()
	go func() {
		for value := range squares {
			out <- value + 1
		}
		close(out)
	}()
	var collected []int
	for value := range out {
		collected = append(collected, value)
	}
	return collected
}

func main() {
	const workers, rounds = 8, 200
	var mu sync.Mutex
	var wg sync.WaitGroup
	total := 0
	results := make(chan [2]int, workers)
	for id := 1; id <= workers; id++ {
		wg.Add(1)
		go worker(id, rounds, &mu, &total, results, &wg)
	}
	wg.Wait()
	close(results)
	var reports []string
	for result := range results {
		reports = append(reports, fmt.Sprintf("worker %d: %d rounds", result[0], result[1]))
	}
	sort.Strings(reports)
	for _, report := range reports {
		fmt.Println(report)
	}
	fmt.Printf("total %d (expected %d)\n", total, rounds*workers*(workers+1)/2)
	fmt.Printf("pipeline %v\n", pipeline(10))

	// Timers: a sleep, then a ticker read in a select beside a channel that never sends.
	time.Sleep(2 * time.Millisecond)
	never := make(chan int)
	ticker := time.NewTicker(time.Millisecond)
	ticks := 0
	for ticks < 5 {
		select {
		case <-ticker.C:
			ticks++
		case <-never:
		}
	}
	ticker.Stop()
	fmt.Printf("ticks %d\n", ticks)
	if len(os.Args) > 1 && os.Args[1] == "procs" {
		fmt.Printf("GOMAXPROCS %d, NumCPU %d\n", runtime.GOMAXPROCS(0), runtime.NumCPU())
	}
	if total != rounds*workers*(workers+1)/2 {
		os.Exit(1)
	}
}
