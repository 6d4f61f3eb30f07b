// CLAPACK: the few Fortran LAPACK routines NexTraction calls. Debian's liblapack-dev ships
// no C header for the Fortran symbols, so their prototypes are declared here (column-major,
// every argument by pointer, as Fortran passes them).
#ifndef NEX_CLAPACK_SHIM_H
#define NEX_CLAPACK_SHIM_H

/// Eigenvalues (ascending) and, with jobz = 'V', eigenvectors of a real symmetric matrix.
void ssyev_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda,
            float *w, float *work, const int *lwork, int *info);

/// Solves A X = B for a symmetric positive-definite A by Cholesky factorisation.
void sposv_(const char *uplo, const int *n, const int *nrhs, float *a, const int *lda,
            float *b, const int *ldb, int *info);

#endif
