// Go's asynchronous preemption (issue 16): with one P, a goroutine spinning in a loop
// without calls never gives the processor back by itself; the runtime's sysmon thread
// sends its thread SIGURG (tgkill), and the handler rewrites the signal frame's pc so
// the goroutine stops at a safe point. Without signals delivered that way the main
// goroutine never runs again and the program does not end.
package main

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

var spins uint64

//go:noinline
func spin(stop *int32) {
	for atomic.LoadInt32(stop) == 0 {
		spins++
	}
}

func main() {
	runtime.GOMAXPROCS(1)
	var stop int32
	go spin(&stop)
	time.Sleep(time.Millisecond) // the spinner takes the only P
	for i := 0; i < 3; i++ {
		runtime.Gosched() // comes back only if the spinner was preempted
	}
	atomic.StoreInt32(&stop, 1)
	fmt.Println("the spinning goroutine was preempted")
}
