#define _GNU_SOURCE
#include "CKernels.h"
#include <sched.h>

long labbook_usable_processors(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
    return CPU_COUNT(&set);
}

int labbook_pin_to_share(long share, long shares) {
    cpu_set_t set, chosen;
    CPU_ZERO(&set);
    CPU_ZERO(&chosen);
    if (shares < 1 || share < 0 || share >= shares || sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    long count = CPU_COUNT(&set), seen = 0;
    if (count < shares) return -1;
    // Share `share` of `shares` takes the usable processors from count·share/shares on, in order.
    long first = count * share / shares, last = count * (share + 1) / shares;
    for (int cpu = 0; cpu < CPU_SETSIZE && seen < last; cpu++) {
        if (!CPU_ISSET(cpu, &set)) continue;
        if (seen >= first) CPU_SET(cpu, &chosen);
        seen++;
    }
    return sched_setaffinity(0, sizeof(chosen), &chosen);
}
