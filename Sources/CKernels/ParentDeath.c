#include "CKernels.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

// prctl is variadic, which Swift can not call.
void labbook_stop_with_parent(long parent) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    // The parent may have died before the call: then nothing would ever send the signal.
    if ((long)getppid() != parent) raise(SIGTERM);
}
