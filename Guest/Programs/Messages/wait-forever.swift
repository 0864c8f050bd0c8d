// Broken on purpose: the main thread waits for a message nobody will post (no input
// device, no other thread). The kernel reports the deadlock and what it waits on.
// With the input device on (--input-every-ms 1), the first cursor move wakes it.

import Sync

let message = Messages.get()
print("got a message of kind \(message.kind)")
