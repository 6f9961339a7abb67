// Debian's libopenblas-dev installs cblas.h (through alternatives) and the
// openblas_* control functions declared in it.
#include <cblas.h>
