// CBLAS: the BLAS C interface (Debian's libblas-dev header; at run time libblas.so.3 is
// whichever implementation update-alternatives selects — OpenBLAS when installed).
#ifndef NEX_CBLAS_SHIM_H
#define NEX_CBLAS_SHIM_H

#include <cblas.h>
#include <dlfcn.h>
#include <stddef.h>

/// Sets the BLAS thread count when the loaded implementation is OpenBLAS.
/// Returns 1 if it was applied, 0 for a BLAS without threads (the reference one).
static inline int nex_blas_set_threads(int n) {
    void (*setter)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
    if (setter == NULL) { return 0; }
    setter(n);
    return 1;
}

/// The BLAS thread count (1 when the implementation has no threads).
static inline int nex_blas_get_threads(void) {
    int (*getter)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "openblas_get_num_threads");
    return getter == NULL ? 1 : getter();
}

/// A short description of the loaded BLAS ("OpenBLAS 0.3.21 ..." or "reference").
static inline const char *nex_blas_config(void) {
    char *(*config)(void) = (char *(*)(void))dlsym(RTLD_DEFAULT, "openblas_get_config");
    return config == NULL ? "reference BLAS (slow: install libopenblas0-pthread)" : config();
}

#endif
