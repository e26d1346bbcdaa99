#ifndef INFERGATE_COPENBLAS_SHIM_H
#define INFERGATE_COPENBLAS_SHIM_H

#include <cblas.h>

#endif
