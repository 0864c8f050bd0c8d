// The lab: the story's experiments (DESIGN.md), each a guest program, a configuration,
// a measured result and a claim that a test checks. Filled in by issue 7.

import Kernel
import Trace
