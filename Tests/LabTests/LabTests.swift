// The lab's claims, checked (issue 7).

import Testing
@testable import Lab
